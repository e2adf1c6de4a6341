"""``manage.py check --database default`` on Citus: what would keep a tenant on the coordinator is named."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.checks import run_checks
from django.db import connection

from pg_tenants.migrations.citus import forget_citus_state
from sandbox.customers.models import Client

pytestmark = pytest.mark.usefixtures("citus")


def citus_messages() -> list[tuple[str, str]]:
    found = run_checks(databases=["default"], include_deployment_checks=False)
    return [
        (m.id, m.msg)
        for m in found
        if m.id and m.id in {"pg_tenants_migrations.W002", "pg_tenants_migrations.W003", "pg_tenants_migrations.E005"}
    ]


@pytest.fixture
def sharding_off() -> Iterator[None]:
    """This session with schema-based sharding off, as a coordinator set up without it."""
    with connection.cursor() as cursor:
        cursor.execute("SET citus.enable_schema_based_sharding = off")
    forget_citus_state()
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET citus.enable_schema_based_sharding = on")
    forget_citus_state()


def test_a_placeable_project_passes():
    Client.objects.create(schema_name="cz_fine")
    assert citus_messages() == []


def test_sharding_off_is_a_warning(sharding_off):
    (found,) = citus_messages()
    assert found[0] == "pg_tenants_migrations.W002"
    assert "citus.enable_schema_based_sharding off" in found[1]


def test_a_tenant_made_with_sharding_off_is_named(sharding_off):
    Client.objects.create(schema_name="cz_stuck")
    with connection.cursor() as cursor:
        cursor.execute("SET citus.enable_schema_based_sharding = on")
    forget_citus_state()
    (found,) = citus_messages()
    assert found[0] == "pg_tenants_migrations.W003"
    assert "cz_stuck" in found[1] and "cannot be moved" in found[1]


def test_a_shared_table_with_a_foreign_key_into_a_tenant_is_an_error():
    Client.objects.create(schema_name="cz_target")
    with connection.cursor() as cursor:
        # Citus lets this through; once the tenant moves, the key cannot be kept.
        cursor.execute(
            "CREATE TABLE public.cz_pointer (id bigint PRIMARY KEY, "
            "note_id bigint CONSTRAINT cz_pointer_note REFERENCES cz_target.notes_note (id))"
        )
    try:
        (found,) = citus_messages()
        assert found[0] == "pg_tenants_migrations.E005"
        assert "public.cz_pointer -> cz_target.notes_note (constraint cz_pointer_note)" in found[1]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE public.cz_pointer")
