"""migrate_schemas APP MIGRATION: every tenant schema and the template to one migration, backwards or forwards."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from pg_tenants.migrations.spares import spare_schema_names
from sandbox.customers.models import Client

from .conftest import V1, V3, WIDGETS, columns, make_tenants, migrate, migrations_of, table_exists, widgets_settings

pytestmark = pytest.mark.usefixtures("fresh_schemas")

TEMPLATE = "_pg_tenants_template"
SEED = ["0001_initial", "0002_seed"]
SHAPE = [*SEED, "0003_shape"]
LEAVES = [*SHAPE, "0004_note"]


def at(schema: str, names: list[str]) -> bool:
    """``schema`` has recorded exactly these widgets migrations, and its tables are as they leave them."""
    widget = columns(schema, "pgt_widgets_widget")
    shaped = "0003_shape" in names
    return (
        migrations_of(schema) == names
        and ("note" in widget) == ("0004_note" in names)
        and ("colour" in widget) == shaped
        and table_exists(schema, "pgt_widgets_tag") == shaped
    )


def test_backwards_then_forwards_in_every_tenant_and_the_template():
    names = make_tenants(3, prefix="bw")
    schemas = [TEMPLATE, *names]
    with widgets_settings(migrations=V3):
        migrate(jobs=2)
        assert all(at(schema, LEAVES) for schema in schemas)

        output = migrate("pgt_widgets", "0003", jobs=2)
        assert "public: pgt_widgets is not migrated in the public schema (it is not in SHARED_APPS); skipped." in output
        assert "tenants: 4 schema(s) to bring to pgt_widgets.0003_shape, each with the migration executor." in output
        assert re.search(rf"\] {names[1]}: unapplied 1 migration\(s\)", output)
        assert "template: pinned at pgt_widgets.0003_shape: new tenants start there" in output
        assert all(at(schema, SHAPE) for schema in schemas)
        # the seed rows were kept (its reverse is a no-op), and nothing else moved
        assert migrations_of(names[0], "notes") == ["0001_initial"]

        # already there: the executor finds nothing to do in any schema
        assert "0 migrated, 4 up to date, 0 failed." in migrate("pgt_widgets", "0003_shape")

        # a tenant created now starts at the target, like the others
        Client.objects.create(schema_name="bw_new")
        assert at("bw_new", SHAPE)

        # further back: the model 0003 created goes too
        output = migrate("pgt_widgets", "0002")
        assert "template: pinned at pgt_widgets.0002_seed" in output
        assert all(at(schema, SEED) for schema in [*schemas, "bw_new"])

        # a run without a target takes every schema to the leaves again and frees the template
        output = migrate(jobs=2)
        assert "tenants: 5 schema(s) to migrate, 0 up to date." in output
        assert "template: no longer pinned at pgt_widgets.0002_seed." in output
        assert all(at(schema, LEAVES) for schema in [*schemas, "bw_new"])
        Client.objects.create(schema_name="bw_newer")
        assert at("bw_newer", LEAVES)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT name FROM "{names[2]}".pgt_widgets_widget')
            assert cursor.fetchall() == [(names[2].upper(),)]  # the seed ran once, forwards


def test_a_template_missing_at_a_target_run_is_made_at_the_leaves_then_moved():
    names = make_tenants(1, prefix="mt")
    with widgets_settings(migrations=V3):
        migrate()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{TEMPLATE}" CASCADE')
        migrate("pgt_widgets", "0003")
        assert at(names[0], SHAPE) and at(TEMPLATE, SHAPE)
        assert migrations_of(TEMPLATE, "notes") == ["0001_initial"]  # not only the target's app
        Client.objects.create(schema_name="mt_new")
        assert at("mt_new", SHAPE) and table_exists("mt_new", "notes_note")


def test_plan_and_check_with_a_target_change_nothing_and_show_the_backwards_steps():
    names = make_tenants(2, prefix="pl")
    schemas = [TEMPLATE, *names]
    with widgets_settings(migrations=V3):
        migrate()
        plan = migrate("pgt_widgets", "0002", plan=True)
        for schema in schemas:
            assert f"{schema}: would unapply pgt_widgets.0004_note, pgt_widgets.0003_shape" in plan
        lines = [json.loads(line) for line in migrate("pgt_widgets", "0002", plan=True, format="json").splitlines()]
        assert {"event": "phase", "phase": "tenants", "to_migrate": 3, "up_to_date": 0} | {
            "target": "pgt_widgets.0002_seed"
        } in lines
        events = [line for line in lines if line["event"] == "schema"]
        assert {e["schema"] for e in events} == set(schemas)
        assert all(e["status"] == "planned" and e["backwards"] is True for e in events)
        assert all(e["migrations"] == ["pgt_widgets.0004_note", "pgt_widgets.0003_shape"] for e in events)
        with pytest.raises(CommandError, match=r"3 schema\(s\) are not at the target migration\."):
            migrate("pgt_widgets", "0002", check=True)
        assert all(at(schema, LEAVES) for schema in schemas)

        # --fake with a target: the rows go, the tables stay; --fake-initial and an app alone bring them back
        migrate("pgt_widgets", "zero", fake=True)
        assert all(migrations_of(s) == [] and "note" in columns(s, "pgt_widgets_widget") for s in schemas)
        output = migrate("pgt_widgets", "0001", fake_initial=True)
        assert "tenants: 3 schema(s) to bring to pgt_widgets.0001_initial" in output
        assert all(migrations_of(schema) == ["0001_initial"] for schema in schemas)
        migrate("pgt_widgets", fake=True)
        assert all(at(schema, LEAVES) for schema in schemas)


def test_a_failing_backwards_migration_in_one_schema_does_not_stop_the_others():
    names = make_tenants(4, prefix="bf")
    broken = names[2]
    with widgets_settings(migrations=V3):
        migrate()
        with connection.cursor() as cursor:  # what unapplying 0003_shape drops first
            cursor.execute(f'DROP VIEW "{broken}".pgt_widgets_coloured')
        with pytest.raises(CommandError) as excinfo:
            migrate("pgt_widgets", "0002", jobs=2)
        message = str(excinfo.value)
        assert f"migrate_schemas failed in 1 schema(s): {broken} (" in message
        assert 'view "pgt_widgets_coloured" does not exist' in message
        # 0004 was unapplied there, 0003 rolled back whole; every other schema reached the target
        assert at(broken, SHAPE)
        assert all(at(schema, SEED) for schema in [TEMPLATE, *names] if schema != broken)

        with connection.cursor() as cursor:
            cursor.execute(f'CREATE VIEW "{broken}".pgt_widgets_coloured AS SELECT 1')
        output = migrate("pgt_widgets", "0002")
        assert re.search(rf"\] {broken}: unapplied 1 migration\(s\)", output)
        assert "1 migrated, 4 up to date, 0 failed." in output
        assert at(broken, SEED)


def test_spares_are_made_again_from_the_template_at_the_target():
    with widgets_settings(migrations=V3, TENANT_SPARE_SCHEMAS=2, TENANT_SPARE_REFILL="manual"):
        migrate()
        assert [migrations_of(name) for name in spare_schema_names()] == [LEAVES, LEAVES]
        output = migrate("pgt_widgets", "0003")
        assert (
            "spare schemas: 2 made before the template moved to pgt_widgets.0003_shape dropped, "
            "2 made from the template." in output
        )
        assert all(at(name, SHAPE) for name in spare_schema_names())
        Client.objects.create(schema_name="sp_new")  # takes a spare, and it stays at the target
        assert at("sp_new", SHAPE)

        output = migrate()
        assert "spare schemas: 1 behind dropped, 2 made from the template." in output
        assert all(at(name, LEAVES) for name in [*spare_schema_names(), "sp_new"])


def test_targets_that_name_no_migration_are_refused_before_anything_changes():
    (name,) = make_tenants(1, prefix="te")
    with widgets_settings(migrations=V3):
        refused = [
            (("nope",), "No installed app with label 'nope'."),
            (("messages",), "App 'messages' does not have migrations."),
            (("pgt_widgets", "0009"), "Cannot find a migration matching '0009' from app 'pgt_widgets'."),
            (("pgt_widgets", "000"), "More than one migration matches '000' in app 'pgt_widgets'. Please be more "),
        ]
        for args, error in refused:
            with pytest.raises(CommandError, match=re.escape(error)):
                migrate(*args)
        with pytest.raises(CommandError, match=re.escape("--shared: app 'pgt_widgets' is not migrated in the public")):
            migrate("pgt_widgets", "0003", shared=True)
        with pytest.raises(CommandError, match=re.escape("--tenants: app 'catalog' is not migrated in tenant sch")):
            migrate("catalog", tenants=True)
        assert migrations_of(name) == ["0001_initial"] and migrations_of(TEMPLATE) == ["0001_initial"]

        # a shared app's label targets public only
        output = migrate("catalog", "0001", plan=True)
        assert "public: 1 schema(s) to bring to catalog.0001_initial" in output
        assert "public: would apply nothing" in output
        assert "tenants: catalog is not migrated in tenant schemas (it is not in TENANT_APPS); skipped." in output

    with (
        override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, WIDGETS], MIGRATION_MODULES=V1),
        pytest.raises(CommandError, match="App 'pgt_widgets' is migrated in no schema: the database routers"),
    ):
        migrate("pgt_widgets", "zero")
