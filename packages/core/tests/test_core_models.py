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
    with pytest.raises(ImmutableSchemaName, match="rename_schema"):
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


def test_rename_schema_moves_schema_and_row_together():
    tenant = Client.objects.create(schema_name="before_rename")
    with tenant_context(tenant):
        Note.objects.create(title="moves along")
    tenant.rename_schema("after_rename", slug="after")
    fresh = Client.objects.get(pk=tenant.pk)
    assert (fresh.schema_name, fresh.slug) == ("after_rename", "after")
    assert not schema_exists("before_rename")
    with tenant_context(fresh):
        assert Note.objects.get().title == "moves along"
    fresh.name = "saved later"
    fresh.save()  # the renamed instance saves normally afterwards


@pytest.mark.parametrize("new_name", ["public", "Bad-Name", "_pg_tenants_template"])
def test_rename_schema_refuses_before_any_sql(new_name):
    tenant = Client.objects.create(schema_name="stays_put")
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError):
        tenant.rename_schema(new_name)
    assert not [q for q in queries.captured_queries if "ALTER SCHEMA" in q["sql"]]
    assert tenant.schema_name == "stays_put" and schema_exists("stays_put")


def test_rename_schema_failure_leaves_the_instance_as_it_was():
    tenant = Client.objects.create(schema_name="keeps_name")
    create_schema("taken_name")
    with pytest.raises(Exception, match="already exists"):
        tenant.rename_schema("taken_name", slug="taken")
    assert (tenant.schema_name, tenant.slug) == ("keeps_name", "keeps-name")
    tenant.save()  # still the saved name: no ImmutableSchemaName
    assert schema_exists("keeps_name")


def test_the_public_tenant_cannot_be_renamed():
    public = Client(schema_name="public")
    with pytest.raises(ValidationError, match="public tenant"):
        public.rename_schema("elsewhere")


def test_provisioner_registered_by_an_installed_app_is_used(monkeypatch):
    from pg_tenants.core import schema

    made = []
    monkeypatch.setattr(schema, "_registered", dict(schema._registered))
    schema.register_provisioner(
        lambda name, using="default": made.append(name) or schema.create_schema(name, using),
        app="pg_tenants.migrations",
    )
    Client.objects.create(schema_name="by_plugin")
    assert made == ["by_plugin"] and schema_exists("by_plugin")
    with override_settings(TENANT_SCHEMA_PROVISIONER="pg_tenants.core.schema.provision_by_migrating"):
        assert schema.get_provisioner() is schema.provision_by_migrating


def test_a_provisioner_of_an_app_not_installed_is_ignored(monkeypatch):
    from pg_tenants.core import schema

    monkeypatch.setattr(schema, "_registered", {})
    schema.register_provisioner(
        lambda name, using="default": None, app="not.installed", reserved_schema_names=lambda: ["x"]
    )
    assert schema.get_provisioner() is schema.provision_by_migrating
    assert schema.reserved_schema_names() == frozenset()


def test_two_installed_apps_registering_provisioners_is_an_error(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from pg_tenants.core import schema

    monkeypatch.setattr(schema, "_registered", {})
    schema.register_provisioner(lambda name, using="default": None, app="pg_tenants.migrations")
    with pytest.raises(ImproperlyConfigured, match="TENANT_SCHEMA_PROVISIONER"):
        schema.register_provisioner(lambda name, using="default": None, app="pg_tenants.admin")
