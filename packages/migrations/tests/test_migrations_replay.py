"""Replaying a plan's generated SQL: the same result as Django's executor, isolated failures, and the fallbacks."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from pg_tenants.core.signals import schema_migrated
from sandbox.customers.models import Client
from sandbox.tooling.schema_catalog import describe_schema

from .conftest import V1, V3, V4, migrate, widgets_settings

pytestmark = pytest.mark.usefixtures("fresh_schemas")

TEMPLATE = "_pg_tenants_template"
SHAPE, NOTE = ("pgt_widgets", "0003_shape"), ("pgt_widgets", "0004_note")


def tenants_at_v2(count: int, prefix: str) -> list[str]:
    """Tenants (and the template) with the widgets app's first two migrations applied."""
    with widgets_settings():
        migrate(verbosity=0)
        names = [f"{prefix}_{n}" for n in range(count)]
        for name in names:
            Client.objects.create(schema_name=name)
    return names


def applied(schema: str) -> set[tuple[str, str]]:
    return set(describe_schema(schema)["django_migrations"])


def capture_migrated() -> tuple[dict[str, list[tuple[str, str]]], object]:
    seen: dict[str, list[tuple[str, str]]] = {}

    def receiver(sender: object, schema_name: str, migrations: list[tuple[str, str]], **kwargs: object) -> None:
        seen.setdefault(schema_name, []).extend(migrations)

    schema_migrated.connect(receiver, weak=False)
    return seen, receiver


def test_replayed_schema_is_identical_to_one_migrated_by_the_executor():
    by_executor, *replayed = tenants_at_v2(3, "rp")
    seen, receiver = capture_migrated()
    try:
        with widgets_settings(migrations=V3):
            output = migrate("--executor", schemas=[by_executor])
            assert "replaying" not in output
            output = migrate(jobs=2)
    finally:
        schema_migrated.disconnect(receiver)
    assert "tenants: replaying the SQL of 2 migration(s) in 3 schema(s)." in output, output
    assert "tenants: 3 schema(s) to migrate, 1 up to date." in output

    expected = describe_schema(by_executor)
    for name in [*replayed, TEMPLATE]:
        actual = describe_schema(name)
        for key in expected:
            assert actual[key] == expected[key], (name, key)
        assert seen[name] == [SHAPE, NOTE]
    # what the comparison covered
    assert ("pgt_widgets_widget", "colour", "character varying(20)", True, "", "", None) in expected["columns"]
    assert ("pgt_widgets_tag", "tag") not in expected["tables"]
    assert {"pgt_widgets_tag", "pgt_widgets_coloured", "gadget_code_idx"} <= {t[0] for t in expected["tables"]}
    assert ("pgt_widgets_widget", "widget_weight_positive") in {c[:2] for c in expected["constraints"]}
    fk_targets = {(c[0], c[7], c[8]) for c in expected["constraints"] if c[2] == "f"}
    assert ("pgt_widgets_tag", "public", "catalog_category") in fk_targets
    assert ("pgt_widgets_tag", "<same schema>", "pgt_widgets_widget") in fk_targets
    assert {SHAPE, NOTE} <= set(expected["django_migrations"])
    # post_migrate ran in every replayed schema (CreateModel): the new model has its content type
    for name in [by_executor, *replayed]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM \"{name}\".django_content_type WHERE model = 'tag'")
            assert cursor.fetchone()[0] == 1
    with widgets_settings(migrations=V3):
        assert "tenants: 0 schema(s) to migrate, 4 up to date." in migrate()


def test_one_schema_failing_in_a_batch_does_not_stop_the_others():
    names = tenants_at_v2(7, "rf")
    broken = names[4]
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{broken}".pgt_widgets_widget ADD COLUMN note text')
    seen, receiver = capture_migrated()
    try:
        with (
            widgets_settings(migrations=V3, TENANT_MIGRATION_BATCH_SIZE=3),
            pytest.raises(CommandError) as excinfo,
        ):
            migrate(jobs=2)
    finally:
        schema_migrated.disconnect(receiver)
    message = str(excinfo.value)
    assert f'failed in 1 schema(s): {broken} (pgt_widgets.0004_note: column "note" of relation' in message
    assert "already exists (SQLSTATE 42701)" in message
    for name in [TEMPLATE, *names]:
        if name == broken:
            # rolled back to its last good migration, like the executor's atomic migrations
            assert SHAPE in applied(name) and NOTE not in applied(name)
            assert seen[name] == [SHAPE]
        else:
            assert {SHAPE, NOTE} <= applied(name)
            assert seen[name] == [SHAPE, NOTE]

    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{broken}".pgt_widgets_widget DROP COLUMN note')
    with widgets_settings(migrations=V3):
        output = migrate()
    assert "tenants: replaying the SQL of 1 migration(s) in 1 schema(s)." in output
    assert f"[1/1] {broken}: applied 1 migration(s)" in output
    assert describe_schema(broken)["columns"] == describe_schema(names[0])["columns"]


def test_plans_that_cannot_be_replayed_run_the_executor():
    with widgets_settings(migrations=V1):
        migrate(verbosity=0)
        names = [Client.objects.create(schema_name=f"rx_{n}").schema_name for n in range(2)]
    with widgets_settings():
        output = migrate(jobs=2)
    assert (
        "tenants: 3 schema(s) run the migration executor: pgt_widgets.0002_seed: "
        "RunPython is not a plain schema operation." in output
    )
    with connection.cursor() as cursor:
        for name in names:
            # the data migration ran in each schema with that tenant active
            cursor.execute(f'SELECT name FROM "{name}".pgt_widgets_widget')
            assert [row[0] for row in cursor.fetchall()] == [name.upper()]

    with widgets_settings(migrations=V3, TENANT_MIGRATION_REPLAY=False):
        output = migrate(schemas=[names[0]])
    assert "replaying" not in output and "[1/1] rx_0: applied 2 migration(s)" in output

    with widgets_settings(migrations=V4):
        output = migrate()
    # the template and rx_1 lack 0003-0005, rx_0 only 0005: two plans, neither replayable
    assert output.count("run the migration executor: pgt_widgets.0005_unindex: generating its SQL queries") == 2, output
    for name in [TEMPLATE, *names]:
        assert ("pgt_widgets", "0005_unindex") in applied(name)
        indexed = {i[0] for i in describe_schema(name)["indexes"] if "weight" in i[2]}
        assert indexed == set()


def test_replay_leaves_fake_and_plan_to_the_executor():
    names = tenants_at_v2(2, "rk")
    with widgets_settings(migrations=V3):
        plan = migrate("--plan")
        assert "replaying" not in plan
        assert f"{names[0]}: would apply pgt_widgets.0003_shape, pgt_widgets.0004_note" in plan
        faked = migrate(fake=True, schemas=[names[0]])
        assert "replaying" not in faked
        with override_settings(TENANT_MIGRATION_BATCH_SIZE=1):
            migrate()
    assert {SHAPE, NOTE} <= applied(names[0]) and {SHAPE, NOTE} <= applied(names[1])
    columns = {c[1] for c in describe_schema(names[0])["columns"] if c[0] == "pgt_widgets_widget"}
    assert "note" not in columns  # faked: recorded, not run
    assert "note" in {c[1] for c in describe_schema(names[1])["columns"] if c[0] == "pgt_widgets_widget"}
