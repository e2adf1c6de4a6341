"""An app added to TENANT_APPS (or SHARED_APPS) after schemas exist gets its tables; false rows are repaired."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from pg_tenants.core import tenant_context
from pg_tenants.migrations.graph import load_graph
from sandbox.customers.models import Client
from sandbox.notes.models import Note

from .conftest import V3, V6, WIDGETS, make_tenants, migrate, migrations_of, table_exists, widgets_settings

pytestmark = pytest.mark.usefixtures("fresh_schemas")

TEMPLATE = "_pg_tenants_template"
WIDGETS_LEAVES = ["0001_initial", "0002_seed", "0003_shape", "0004_note"]


def admin_in_tenant_apps() -> override_settings:
    return override_settings(TENANT_APPS=[*settings.TENANT_APPS, "django.contrib.admin"])


def admin_migrations() -> list[str]:
    return sorted(name for app, name in load_graph(refresh=True).full_plan if app == "admin")


def rows(schema: str, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
        return int(cursor.fetchone()[0])


def test_an_app_added_to_tenant_apps_later_gets_its_tables_in_every_schema():
    names = make_tenants(2, prefix="ad")
    schemas = [TEMPLATE, *names]
    # the shared apps' migrations ran in public only, and only public records them
    for schema in schemas:
        assert migrations_of(schema, "admin") == [] and migrations_of(schema, "auth") == []
        assert migrations_of(schema, "notes") == ["0001_initial"]
        assert not table_exists(schema, "django_admin_log")

    with admin_in_tenant_apps():
        output = migrate(jobs=2)
        assert "tenants: 3 schema(s) to migrate, 0 up to date." in output
        for schema in schemas:
            assert table_exists(schema, "django_admin_log")
            assert migrations_of(schema, "admin") == admin_migrations()
            assert migrations_of(schema, "auth") == []  # still skipped there, still unrecorded

        # the admin log works in a tenant, and stays there
        operator = User.objects.create(username="operator")
        with tenant_context(Client.objects.get(schema_name=names[0])):
            LogEntry.objects.create(
                user=operator,
                content_type=ContentType.objects.get_for_model(Note),
                object_id="1",
                object_repr="a note",
                action_flag=ADDITION,
            )
            assert LogEntry.objects.get().object_repr == "a note"
        assert (rows(names[0], "django_admin_log"), rows(names[1], "django_admin_log")) == (1, 0)
        assert not LogEntry.objects.exists()  # public's own log

        Client.objects.create(schema_name="ad_new")  # cloned from the template, which has it now
        assert table_exists("ad_new", "django_admin_log")
        assert "tenants: 0 schema(s) to migrate, 4 up to date." in migrate()


def test_false_rows_left_by_earlier_runs_are_removed_and_the_app_migrated():
    names = make_tenants(2, prefix="fr")
    schemas = [TEMPLATE, *names]
    # What Django's migrate (and migrate_schemas before this release) left in tenant schemas: the admin's
    # migrations recorded as applied where the router skipped them.
    admin = admin_migrations()
    with connection.cursor() as cursor:
        for schema in schemas:
            for name in admin:
                cursor.execute(
                    f"INSERT INTO \"{schema}\".django_migrations (app, name, applied) VALUES ('admin', %s, now())",
                    [name],
                )

    with admin_in_tenant_apps():
        plan = migrate(plan=True)
        assert (
            "tenants: admin recorded as applied in 3 schema(s) without any of its tables (the router skipped "
            "those migrations there): rows would be removed and the migrations run." in plan
        )
        assert f"{names[0]}: would apply admin.0001_initial" in plan
        with pytest.raises(CommandError, match=r"3 schema\(s\) have unapplied migrations"):
            migrate(check=True)
        assert all(migrations_of(schema, "admin") == admin for schema in schemas)  # nothing changed yet

        output = migrate(jobs=2)
        assert "tenants: admin recorded as applied in 3 schema(s)" in output and "rows removed, migrating." in output
        assert "tenants: 3 schema(s) to migrate, 0 up to date." in output
        for schema in schemas:
            assert table_exists(schema, "django_admin_log")
            assert migrations_of(schema, "admin") == admin  # each once
        output = migrate()
        assert "recorded as applied" not in output and "tenants: 0 schema(s) to migrate, 3 up to date." in output


def test_a_schema_whose_models_a_migration_deleted_is_not_taken_for_false_rows():
    names = make_tenants(2, prefix="dl")
    schemas = [TEMPLATE, *names]
    with widgets_settings(migrations=V6):
        migrate("pgt_widgets", "0003")  # the app has no table at that point
        for schema in schemas:
            assert migrations_of(schema) == ["0001_initial", "0002_seed", "0003_drop"]
            assert not table_exists(schema, "pgt_widgets_widget")
        output = migrate("pgt_widgets", "0003")
        assert "recorded as applied" not in output and "0 migrated, 3 up to date, 0 failed." in output
        output = migrate()
        assert "recorded as applied" not in output and "tenants: 3 schema(s) to migrate" in output
        assert all(table_exists(schema, "pgt_widgets_widget") for schema in schemas)


def test_a_tenant_app_moved_into_shared_apps_gets_its_tables_in_public():
    with widgets_settings(migrations=V3):
        migrate(shared=True)
        assert migrations_of("public", "pgt_widgets") == []  # a tenant app: not migrated, not recorded in public
        # Django's own migrate run for public records them although the router skips them there
        call_command("migrate", "pgt_widgets", verbosity=0)
        assert migrations_of("public", "pgt_widgets") == WIDGETS_LEAVES
        assert not table_exists("public", "pgt_widgets_widget")

    try:
        with widgets_settings(migrations=V3, SHARED_APPS=[*settings.SHARED_APPS, WIDGETS]):
            output = migrate(shared=True)
            assert "public: pgt_widgets recorded as applied in 1 schema(s) without any of its tables" in output
            assert migrations_of("public", "pgt_widgets") == WIDGETS_LEAVES
            with connection.cursor() as cursor:
                cursor.execute("SELECT name FROM public.pgt_widgets_widget")
                assert cursor.fetchall() == [("PUBLIC",)]  # its data migration ran there, and its trigger

            output = migrate("pgt_widgets", "zero", shared=True)
            assert "public: 1 schema(s) to bring to pgt_widgets zero" in output
            assert "[1/1] public: unapplied 4 migration(s)" in output
            assert migrations_of("public", "pgt_widgets") == []
            assert not table_exists("public", "pgt_widgets_widget")
    finally:  # public outlives the test: leave nothing of the widgets app there
        with connection.cursor() as cursor:
            cursor.execute("DROP VIEW IF EXISTS public.pgt_widgets_coloured, public.pgt_widgets_big")
            cursor.execute(
                "DROP TABLE IF EXISTS public.pgt_widgets_tag, public.pgt_widgets_gadget, public.pgt_widgets_widget"
            )
            cursor.execute("DROP SEQUENCE IF EXISTS public.pgt_widgets_ticket")
            cursor.execute("DROP FUNCTION IF EXISTS public.widget_upper()")
            cursor.execute("DELETE FROM public.django_migrations WHERE app = 'pgt_widgets'")


def test_django_migrate_is_refused_in_tenant_schemas():
    with pytest.raises(CommandError, match=r"Use migrate_schemas --schema acme \[APP \[MIGRATION\]\] instead\."):
        call_command("tenant_command", "migrate", "notes", schema="acme")
    with pytest.raises(CommandError, match=r"Use migrate_schemas \[APP \[MIGRATION\]\] instead \(it migrates the"):
        call_command("all_tenants_command", "migrate")
