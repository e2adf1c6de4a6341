"""Plans sent to ``pre_migrate`` receivers: each schema gets its own, so what a receiver adds happens once per schema.

Django's contenttypes app inserts a ``RenameContentType`` after every
``RenameModel`` of the plan it receives in ``pre_migrate``. The migration graph
is loaded once per run and shared by every schema (and every thread), so a plan
handed to receivers as is would collect one more such operation per schema.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.contenttypes.management import RenameContentType
from django.db import connection, migrations
from django.db.models.signals import pre_migrate

from pg_tenants.core import get_current_schema_name
from pg_tenants.migrations.graph import load_graph
from sandbox.customers.models import Client
from sandbox.tooling.schema_catalog import describe_schema

from .conftest import V3, V4, V5, migrate, widgets_settings

pytestmark = pytest.mark.usefixtures("fresh_schemas")

TEMPLATE = "_pg_tenants_template"
RENAME = ("pgt_widgets", "0006_rename_tag")


def widget_content_types(schema: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT model, id FROM \"{schema}\".django_content_type WHERE app_label = 'pgt_widgets'")
        return dict(cursor.fetchall())


def renames(migration: Any) -> int:
    return sum(isinstance(operation, RenameContentType) for operation in migration.operations)


class PlansSeen:
    """A ``pre_migrate`` receiver run after Django's contenttypes one: per schema, what the plan held.

    With ``inject``, it then adds an operation to every migration of the plan,
    as Django's receiver does after a ``RenameModel``.
    """

    def __init__(self, inject: bool = False) -> None:
        self.inject = inject
        self.renames: dict[str, list[int]] = {}
        self.operations: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def __call__(self, sender: Any, plan: Any = None, **kwargs: Any) -> None:
        if sender.label != "contenttypes" or not plan:
            return
        schema = get_current_schema_name()
        with self._lock:
            for migration, _ in plan:
                if (migration.app_label, migration.name) == RENAME:
                    self.renames.setdefault(schema, []).append(renames(migration))
            self.operations.setdefault(schema, []).append(sum(len(m.operations) for m, _ in plan))
        if self.inject:
            for migration, _ in plan:
                migration.operations.append(migrations.RunSQL(migrations.RunSQL.noop))

    def __enter__(self) -> PlansSeen:
        pre_migrate.connect(self, weak=False, dispatch_uid="test_migrations_rename_model")
        return self

    def __exit__(self, *exc: object) -> None:
        pre_migrate.disconnect(dispatch_uid="test_migrations_rename_model")


def tenants_at_v4(count: int, prefix: str) -> tuple[list[str], dict[str, int]]:
    """Tenants (and the template) with ``Tag`` and its content type; the content type ids by schema."""
    with widgets_settings(migrations=V4):
        migrate(verbosity=0)
        names = [Client.objects.create(schema_name=f"{prefix}_{n}").schema_name for n in range(count)]
    ids = {}
    for name in [TEMPLATE, *names]:
        content_types = widget_content_types(name)
        assert "tag" in content_types and "label" not in content_types, name
        ids[name] = content_types["tag"]
    return names, ids


def assert_renamed_once(names: list[str], tag_ids: dict[str, int], seen: PlansSeen) -> None:
    for name in [TEMPLATE, *names]:
        assert RENAME in describe_schema(name)["django_migrations"], name
        content_types = widget_content_types(name)
        # the row was renamed, not replaced: whatever points at it (permissions, admin log) still does
        assert "tag" not in content_types and content_types["label"] == tag_ids[name], name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_regclass(%s), to_regclass(%s)", [f'"{name}".pgt_widgets_tag', f'"{name}".pgt_widgets_label']
            )
            assert cursor.fetchone() == (None, f"{name}.pgt_widgets_label")
    # every schema (the public one too, when it had the migration to record) ran one RenameContentType
    assert set(seen.renames) >= {TEMPLATE, *names}
    assert {name: counts for name, counts in seen.renames.items() if counts != [1]} == {}
    # and the graph the run shared (load_graph inside the run's settings) was left as it was
    assert renames(load_graph().loader.graph.nodes[RENAME]) == 0


def test_rename_model_renames_the_content_type_once_per_schema_on_parallel_executors():
    names, tag_ids = tenants_at_v4(5, "rn")
    # (the settings first: the contenttypes app connects its receiver again when they change)
    with widgets_settings(migrations=V5), PlansSeen() as seen:
        output = migrate(executor=True, jobs=2)
        assert "tenants: 6 schema(s) to migrate, 0 up to date." in output, output
        assert_renamed_once(names, tag_ids, seen)


def test_rename_model_is_not_replayed_and_the_executor_renames_once_per_schema():
    names, tag_ids = tenants_at_v4(4, "rr")
    with widgets_settings(migrations=V5), PlansSeen() as seen:
        output = migrate(jobs=2)
        assert (
            "tenants: 5 schema(s) run the migration executor: pgt_widgets.0006_rename_tag: "
            "RenameModel is not a plain schema operation." in output
        ), output
        assert_renamed_once(names, tag_ids, seen)


def test_replayed_schemas_each_get_the_plan_unchanged_by_receivers_in_other_schemas():
    with widgets_settings():
        migrate(verbosity=0)
        names = [Client.objects.create(schema_name=f"rq_{n}").schema_name for n in range(4)]
    with widgets_settings(migrations=V3), PlansSeen(inject=True) as seen:
        output = migrate(jobs=2)
        shared = load_graph().loader.graph.nodes
    assert "tenants: replaying the SQL of 2 migration(s) in 5 schema(s)." in output, output
    shape, note = shared[("pgt_widgets", "0003_shape")], shared[("pgt_widgets", "0004_note")]
    original = len(shape.operations) + len(note.operations)
    assert original == 7  # the graph the run shared is untouched by the receiver
    assert {name: seen.operations[name] for name in [TEMPLATE, *names]} == {
        name: [original] for name in [TEMPLATE, *names]
    }
