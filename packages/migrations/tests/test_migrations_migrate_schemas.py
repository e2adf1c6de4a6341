"""migrate_schemas over many tenants: skipping, parallel runs, failure isolation, the lock, output formats."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.core.management.base import CommandError
from django.db import connection, connections

from pg_tenants.core.signals import schema_migrated
from pg_tenants.migrations.lock import lock_holder_pid

from .conftest import V1, make_tenants, migrate, recorded, widgets_settings
from .pgt_widgets import switch

pytestmark = pytest.mark.usefixtures("fresh_schemas")


def widget_names(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT name FROM "{schema}".pgt_widgets_widget ORDER BY id')
        return [row[0] for row in cursor.fetchall()]


def test_one_failing_tenant_of_fifty_does_not_stop_the_others():
    names = make_tenants(50)
    broken = names[17]
    switch.FAIL_IN.add(broken)
    migrated: list[tuple[str, list[tuple[str, str]]]] = []

    def receiver(sender: object, schema_name: str, migrations: list[tuple[str, str]], **kwargs: object) -> None:
        migrated.append((schema_name, migrations))

    schema_migrated.connect(receiver)
    try:
        with widgets_settings(), pytest.raises(CommandError) as excinfo:
            migrate(jobs=2)
    finally:
        schema_migrated.disconnect(receiver)
    message = str(excinfo.value)
    assert f"failed in 1 schema(s): {broken} (RuntimeError: bad data in {broken})" in message
    for name in names:
        if name == broken:
            assert recorded(name) == 0 and widget_names(name) == []
        else:
            # the data migration ran once, with that tenant active
            assert recorded(name) == 1 and widget_names(name) == [name.upper()]
    applied = {s for s, m in migrated if ("pgt_widgets", "0002_seed") in m}
    assert applied - {"public"} == {"_pg_tenants_template", *names} - {broken}
    assert not [s for s, _ in migrated if s == broken]

    switch.FAIL_IN.clear()
    with widgets_settings():
        output = migrate(jobs=2)
    assert "tenants: 1 schema(s) to migrate, 50 up to date." in output
    assert f"[1/1] {broken}: applied 1 migration(s)" in output
    assert recorded(broken) == 1 and widget_names(broken) == [broken.upper()]
    with widgets_settings():
        assert "tenants: 0 schema(s) to migrate, 51 up to date." in migrate()


def test_up_to_date_schemas_are_skipped_with_one_query():
    make_tenants(5, prefix="uq")
    from django.test.utils import CaptureQueriesContext

    with widgets_settings(migrations=V1), CaptureQueriesContext(connection) as ctx:
        output = migrate(jobs=2)
    assert "tenants: 0 schema(s) to migrate, 6 up to date." in output
    behind_queries = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT schema_name, missing")]
    assert len(behind_queries) == 2  # one for public, one for all tenant schemas
    assert len(ctx.captured_queries) < 15


def test_plan_check_and_json_change_nothing():
    names = make_tenants(3, prefix="pc")
    with widgets_settings():
        plan = migrate("--plan")
        assert f"{names[0]}: would apply pgt_widgets.0002_seed" in plan
        with pytest.raises(CommandError, match="4 schema"):
            migrate("--check")
        assert all(recorded(name) == 0 for name in names)
        lines = [json.loads(line) for line in migrate(format="json", schemas=[names[1]]).splitlines()]
    assert lines[-1]["event"] == "summary" and lines[-1]["migrated"] == 1 and lines[-1]["failed"] == []
    schema_events = [e for e in lines if e["event"] == "schema"]
    assert schema_events == [
        {
            "event": "schema",
            "schema": names[1],
            "status": "migrated",
            "migrations": ["pgt_widgets.0002_seed"],
            "backwards": False,
            "error": None,
            "seconds": schema_events[0]["seconds"],
        }
    ]
    assert [recorded(name) for name in names] == [0, 1, 0]
    with widgets_settings():
        migrate(excludes=[names[0]], tenants=True)
        assert [recorded(name) for name in names] == [0, 1, 1]
        migrate(fake=True, schemas=[names[0]])
    assert recorded(names[0]) == 1 and widget_names(names[0]) == []  # faked: recorded, not run


def test_bad_filters_are_refused():
    with pytest.raises(CommandError, match="No tenant has schema 'nope'"):
        migrate(schemas=["nope"])
    with pytest.raises(CommandError, match="is invalid"):
        migrate(schemas=["Bad-Name"])
    with pytest.raises(CommandError, match="--jobs must be at least 1"):
        migrate(jobs=0)


def test_two_runs_at_once_never_migrate_a_schema_twice():
    names = make_tenants(4, prefix="cc")
    switch.DELAY = 0.3
    outputs: dict[str, str] = {}
    errors: dict[str, BaseException] = {}

    def run(key: str, **options: object) -> None:
        try:
            outputs[key] = migrate(jobs=2, **options)
        except BaseException as exc:
            errors[key] = exc
        finally:
            connections.close_all()

    settings = widgets_settings()
    settings.enable()
    first = threading.Thread(target=run, args=("first",))
    first.start()
    deadline = time.monotonic() + 10
    while lock_holder_pid() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lock_holder_pid() is not None
    refused = threading.Thread(target=run, args=("refused",), kwargs={"no_wait": True})
    waiting = threading.Thread(target=run, args=("waiting",))
    refused.start()
    waiting.start()
    for thread in (first, refused, waiting):
        thread.join(30)
    settings.disable()
    refusal = str(errors.pop("refused"))
    assert "Another migrate_schemas is running on database 'default' (PostgreSQL backend pid" in refusal
    assert "run without --no-wait to wait for it" in refusal
    assert not errors, errors
    assert "tenants: 5 schema(s) to migrate" in outputs["first"]
    assert "Another migrate_schemas is running (PostgreSQL backend pid" in outputs["waiting"]
    assert "tenants: 0 schema(s) to migrate, 5 up to date." in outputs["waiting"]
    assert all(recorded(name) == 1 and len(widget_names(name)) == 1 for name in names)
