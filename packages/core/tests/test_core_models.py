"""Tenant and domain models: validation before SQL, atomic creation, schema lifecycle."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from pg_tenants.core import schema_context, tenant_context
from pg_tenants.core.models import ImmutableSchemaName
from pg_tenants.core.schema import create_schema, drop_schema, schema_exists
from pg_tenants.core.signals import schema_created
from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name
from sandbox.customers.models import Client, Domain
from sandbox.notes.models import Note

pytestmark = pytest.mark.django_db

HOSTILE = [
    "pg_x",
    "public",
    "information_schema",
    'a"; drop schema public cascade; --',
    "a" * 64,
    "",
    "Acme",
    "acmé",
    "1acme",
    "acme-corp",
    "acme corp",
    None,
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_schema_names_are_refused_before_any_sql(name):
    with CaptureQueriesContext(connection) as ctx:
        if name != "public":  # a row for the public tenant is allowed; its schema is never made
            with pytest.raises(InvalidSchemaName):
                Client(schema_name=name).save()
        with pytest.raises(InvalidSchemaName) as excinfo:
            create_schema(name)
        with pytest.raises(InvalidSchemaName):
            drop_schema(name)
        if name != "public":
            with pytest.raises(InvalidSchemaName):
                schema_context(name)
    assert len(ctx) == 0
    assert str(name) in str(excinfo.value) or name in ("", None)
    assert schema_exists("public")  # still there


def test_invalid_name_message_says_what_is_allowed():
    with pytest.raises(InvalidSchemaName) as excinfo:
        validate_schema_name("Acme-1")
    assert excinfo.value.messages == [
        "Schema name 'Acme-1' is invalid: use lowercase letters, digits and underscores, "
        "starting with a letter or underscore (max 63)."
    ]


def test_longest_valid_name_is_accepted():
    name = "a" * 63
    assert validate_schema_name(name) == name


def test_new_tenant_gets_a_migrated_schema_and_derived_slug():
    tenant = Client.objects.create(schema_name="fresh_one", name="Fresh")
    assert tenant.slug == "fresh-one"
    assert schema_exists("fresh_one")
    with tenant_context(tenant):
        Note.objects.create(title="hello")
        assert Note.objects.count() == 1


def test_creation_failing_half_way_leaves_no_row_and_no_schema():
    def explode(sender, tenant, **kwargs):
        raise RuntimeError("provisioning hook failed")

    schema_created.connect(explode)
    try:
        with pytest.raises(RuntimeError, match="provisioning hook failed"):
            Client.objects.create(schema_name="half_made")
    finally:
        schema_created.disconnect(explode)
    assert not Client.objects.filter(schema_name="half_made").exists()
    assert not schema_exists("half_made")
    # and it can be created again
    Client.objects.create(schema_name="half_made")
    assert schema_exists("half_made")


def failing_provisioner(schema_name: str, using: str = "default") -> None:
    create_schema(schema_name, using)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{schema_name}".partial (id int)')
        cursor.execute("SELECT 1/0")


@override_settings(TENANT_SCHEMA_PROVISIONER="test_core_models.failing_provisioner")
def test_provisioner_error_rolls_back_the_schema_and_row(monkeypatch):
    import sys

    sys.modules.setdefault("test_core_models", sys.modules[__name__])
    with pytest.raises(Exception, match="division by zero"):
        Client.objects.create(schema_name="broken_prov")
    assert not schema_exists("broken_prov")
    assert not Client.objects.filter(schema_name="broken_prov").exists()


def test_schema_name_cannot_change_once_saved():
    tenant = Client.objects.create(schema_name="fixed_name")
    tenant.schema_name = "other_name"
    with pytest.raises(ImmutableSchemaName, match="rename_tenant"):
        tenant.save()
    fresh = Client.objects.get(pk=tenant.pk)
    fresh.schema_name = "other_name"
    with pytest.raises(ImmutableSchemaName):
        fresh.save()
    assert not schema_exists("other_name")


def test_delete_drops_schema_when_auto_drop_schema():
    tenant = Client.objects.create(schema_name="to_drop")
    tenant.delete()
    assert not schema_exists("to_drop")


def test_queryset_delete_drops_schemas_too():
    Client.objects.create(schema_name="bulk_a")
    Client.objects.create(schema_name="bulk_b")
    Client.objects.filter(schema_name__startswith="bulk_").delete()
    assert not schema_exists("bulk_a") and not schema_exists("bulk_b")


def test_public_tenant_row_gets_no_schema_and_cannot_be_deleted():
    public = Client.objects.create(schema_name="public", slug="www")
    assert public.is_public
    with pytest.raises(ValidationError):
        public.delete()
    assert schema_exists("public")


def test_domains_are_normalised_and_one_is_primary(acme_globex):
    acme, _ = acme_globex
    first = Domain.objects.create(domain="ACME.Example.com.:8000", tenant=acme)
    assert first.domain == "acme.example.com"
    second = Domain.objects.create(domain="bücher.example", tenant=acme)
    assert second.domain == "xn--bcher-kva.example"
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    assert acme.get_primary_domain() == second
    with pytest.raises(ValidationError):
        Domain.objects.create(domain="bad..example", tenant=acme)
    with pytest.raises(ValidationError):
        Domain.objects.create(domain="x" * 64 + ".example", tenant=acme)


def test_model_validation_reports_bad_schema_name():
    tenant = Client(schema_name="Bad Name")
    with pytest.raises(ValidationError) as excinfo:
        tenant.full_clean()
    assert "schema_name" in excinfo.value.message_dict
