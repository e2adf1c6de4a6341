"""Every way a tenant's schema is made, renamed or dropped on Citus leaves a schema Citus can place and move."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from pg_tenants.core import tenant_context
from pg_tenants.migrations.citus import citus_sharding, foreign_key_problems, is_distributed_schema, tenant_placements
from pg_tenants.migrations.conf import migration_settings
from pg_tenants.migrations.lifecycle import clone_tenant, delete_tenant, rename_tenant
from pg_tenants.migrations.spares import refill_spare_schemas, spare_schema_names
from sandbox.catalog.models import Category
from sandbox.customers.models import Client
from sandbox.notes.models import Note

from .conftest import citus_table_type, table_counts

pytestmark = pytest.mark.usefixtures("citus")


def assert_placeable(schema: str) -> None:
    """A distributed schema whose every table is distributed, so citus_schema_move can take it."""
    assert is_distributed_schema(schema), f"{schema} is not a distributed schema"
    total, distributed = table_counts(schema)
    assert total > 0
    assert distributed == total, f"{schema}: {distributed} of {total} tables distributed"
    (place,) = tenant_placements([schema])
    assert place.node is not None and place.tables == total


def test_the_server_is_detected_as_citus_with_schema_sharding():
    assert citus_sharding()


def test_shared_tables_that_tenant_tables_reference_are_reference_tables():
    # notes.Note.category points at catalog.Category, a shared app's table.
    assert citus_table_type("public.catalog_category") == "reference"
    assert foreign_key_problems() == []


def test_the_template_is_a_distributed_schema_with_every_table_distributed():
    assert_placeable(migration_settings.TENANT_TEMPLATE_SCHEMA_NAME)


def test_a_tenant_cloned_from_the_template_is_placeable_and_keeps_its_own_rows():
    acme = Client.objects.create(schema_name="cz_acme")
    globex = Client.objects.create(schema_name="cz_globex")
    assert_placeable("cz_acme")
    assert_placeable("cz_globex")
    category, _ = Category.objects.get_or_create(name="cz-shared")
    for tenant in (acme, globex):
        with tenant_context(tenant):
            Note.objects.create(title=f"{tenant.schema_name}-note", category=category)
    for tenant in (acme, globex):
        with tenant_context(tenant):
            assert list(Note.objects.values_list("title", "category__name")) == [
                (f"{tenant.schema_name}-note", "cz-shared")
            ]


@override_settings(TENANT_SPARE_SCHEMAS=1, TENANT_SPARE_REFILL="manual")
def test_a_tenant_made_from_a_spare_schema_is_placeable():
    assert refill_spare_schemas() == 1
    (spare,) = spare_schema_names()
    assert_placeable(spare)
    tenant = Client.objects.create(schema_name="cz_spare")
    assert spare_schema_names() == []  # the spare was claimed, not a clone made
    assert_placeable("cz_spare")
    with tenant_context(tenant):
        Note.objects.create(title="from a spare")
        assert Note.objects.count() == 1


@override_settings(TENANT_USE_TEMPLATE=False)
def test_a_tenant_made_by_running_its_migrations_is_placeable():
    Client.objects.create(schema_name="cz_migrated")
    assert_placeable("cz_migrated")


def test_a_clone_of_a_tenant_with_its_rows_is_placeable():
    source = Client.objects.create(schema_name="cz_source")
    category, _ = Category.objects.get_or_create(name="cz-shared")
    with tenant_context(source):
        Note.objects.create(title="copied", category=category)
    copy = clone_tenant("cz_source", "cz_copy")
    assert_placeable("cz_copy")
    with tenant_context(copy):
        assert list(Note.objects.values_list("title", "category__name")) == [("copied", "cz-shared")]
        Note.objects.create(title="after the copy")  # the copied sequence goes on
        assert Note.objects.count() == 2
        # The key to the reference table came along and is enforced on the node that holds the tenant.
        # Django's keys are deferred: the node refuses at commit, which Citus reports as an
        # InternalError ("could not commit transaction for shard ..."), not an IntegrityError.
        with pytest.raises(DatabaseError, match="could not commit transaction for shard"), transaction.atomic():
            Note.objects.create(title="dangling", category_id=10**9)
        assert not Note.objects.filter(title="dangling").exists()


def test_a_renamed_tenant_stays_placeable_with_its_rows():
    tenant = Client.objects.create(schema_name="cz_old")
    with tenant_context(tenant):
        Note.objects.create(title="kept")
    renamed = rename_tenant("cz_old", "cz_new")
    assert not is_distributed_schema("cz_old")
    assert_placeable("cz_new")
    with tenant_context(renamed):
        assert list(Note.objects.values_list("title", flat=True)) == ["kept"]


def test_a_deleted_tenant_leaves_no_distributed_schema_and_no_shards():
    Client.objects.create(schema_name="cz_gone")
    delete_tenant("cz_gone")
    assert not is_distributed_schema("cz_gone")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM citus_shards WHERE table_name::text LIKE 'cz_gone.%%'")
        assert cursor.fetchone()[0] == 0


def test_a_sign_up_that_fails_after_provisioning_leaves_nothing_on_any_node():
    with pytest.raises(RuntimeError, match="payment failed"), transaction.atomic():
        Client.objects.create(schema_name="cz_rollback")
        assert is_distributed_schema("cz_rollback")
        raise RuntimeError("payment failed")
    assert not Client.objects.filter(schema_name="cz_rollback").exists()
    assert not is_distributed_schema("cz_rollback")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regnamespace('cz_rollback') IS NULL")
        assert cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM citus_shards WHERE table_name::text LIKE 'cz_rollback.%%'")
        assert cursor.fetchone()[0] == 0
        # Nor on the workers: Citus' own view of every node's relations.
        cursor.execute(
            "SELECT count(*) FROM run_command_on_workers($$SELECT count(*) FROM pg_namespace "
            "WHERE nspname = 'cz_rollback'$$) WHERE result <> '0'"
        )
        assert cursor.fetchone()[0] == 0


def test_a_clone_with_rows_leaves_no_second_copy_on_the_coordinator():
    source = Client.objects.create(schema_name="cz_rows")
    with tenant_context(source), connection.cursor() as cursor:
        cursor.execute("INSERT INTO notes_note (title) SELECT repeat('x', 190) FROM generate_series(1, 5000)")
    clone_tenant("cz_rows", "cz_rows_copy")
    with connection.cursor() as cursor:
        # The shell tables on the coordinator (their rows are in the shards, wherever those are):
        # django_migrations and django_content_type have rows and no key to a reference table.
        cursor.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c "
            "WHERE c.relnamespace = 'cz_rows_copy'::regnamespace AND c.relkind = 'r' AND pg_relation_size(c.oid) > 0"
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT count(*) FROM cz_rows_copy.notes_note")
        assert cursor.fetchone()[0] == 5000
        cursor.execute("SELECT count(*) > 0 FROM cz_rows_copy.django_migrations")
        assert cursor.fetchone()[0]
