"""A tenant schema cloned from the template is indistinguishable from one built by running every migration."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from pg_tenants.core import tenant_context
from pg_tenants.core.schema import schema_exists
from pg_tenants.migrations.cloning import clone_schema
from sandbox.customers.models import Client
from sandbox.tooling.schema_catalog import SAME, describe_schema

from .conftest import assert_widgets_work, widgets_settings

pytestmark = pytest.mark.usefixtures("fresh_schemas")


def test_cloned_schema_matches_migrated_schema():
    with widgets_settings():
        call_command("migrate_schemas", format="plain", verbosity=0)
        assert schema_exists("_pg_tenants_template")
        with override_settings(TENANT_USE_TEMPLATE=False):
            migrated = Client.objects.create(schema_name="cmp_migrated")
        cloned = Client.objects.create(schema_name="cmp_cloned")

        a, b = describe_schema(migrated.schema_name), describe_schema(cloned.schema_name)
        for key in a:
            assert a[key] == b[key], key
        # what the comparison covered, so an empty catalog cannot pass
        assert ("pgt_widgets_widget", "widget_size_positive") in {c[:2] for c in a["constraints"]}
        fk_targets = {(c[0], c[1][:40]): (c[7], c[8]) for c in a["constraints"] if c[2] == "f"}
        assert (SAME, "pgt_widgets_widget") in fk_targets.values()  # self FK re-pointed into the new schema
        assert ("public", "catalog_category") in fk_targets.values()  # shared table stays in public
        assert ("pgt_widgets_widget", "widget_upper") in {t[:2] for t in a["triggers"]}
        assert ("pgt_widgets_big", "v") in {v[:2] for v in a["views"]}
        assert ("pgt_widgets_ticket", 100, True) in a["sequence_positions"]
        assert ("pgt_widgets", "0002_seed") in a["django_migrations"]
        assert dict(a["row_counts"])["django_content_type"] > 0

        # the clone works on its own; the template was not touched
        assert_widgets_work(cloned, "_pg_tenants_template")


def test_template_behind_is_cloned_then_brought_up_to_date():
    with widgets_settings(migrations=__import__("packages.migrations.tests.conftest", fromlist=["V1"]).V1):
        call_command("migrate_schemas", format="plain", verbosity=0)
    with widgets_settings():
        tenant = Client.objects.create(schema_name="late_tenant")
        rows = describe_schema(tenant.schema_name)["django_migrations"]
        assert ("pgt_widgets", "0002_seed") in rows
        with tenant_context(tenant):
            from packages.migrations.tests.pgt_widgets.models import Widget

            assert list(Widget.objects.values_list("name", flat=True)) == ["LATE_TENANT"]


def test_clone_into_existing_schema_changes_nothing():
    call_command("migrate_schemas", format="plain", verbosity=0)
    Client.objects.create(schema_name="taken")
    with pytest.raises(Exception, match="already exists"):
        clone_schema("_pg_tenants_template", "taken")


def test_without_template_new_tenants_are_migrated():
    tenant = Client.objects.create(schema_name="no_template")
    assert not schema_exists("_pg_tenants_template")
    assert ("notes", "0001_initial") in describe_schema(tenant.schema_name)["django_migrations"]
