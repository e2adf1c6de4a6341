"""``migrate_schemas`` on Citus: new tables of every tenant are distributed tables of its schema."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.core.management import CommandError
from django.db import connection, connections

from packages.migrations.tests.conftest import columns, migrate, migrations_of, widgets_settings
from packages.migrations.tests.pgt_widgets import switch
from pg_tenants.migrations.conf import migration_settings
from pg_tenants.migrations.lock import migration_lock
from sandbox.customers.models import Client

from .conftest import table_counts

pytestmark = pytest.mark.usefixtures("citus")

V1 = {"pgt_widgets": "packages.migrations.citus_tests.widgets_v1"}
V2 = {"pgt_widgets": "packages.migrations.citus_tests.widgets_v2"}
TENANTS = ("cz_m1", "cz_m2")


@pytest.fixture
def widgets() -> Iterator[None]:
    """The widgets app at its first migration in the template and two tenants; gone from the template after.

    (The tenants are deleted by the ``citus`` fixture. Not ``migrate zero``: each
    test's migrations differ after the first.)
    """
    with widgets_settings(migrations=V1):
        migrate(verbosity=0)
        for name in TENANTS:
            Client.objects.create(schema_name=name)
    yield
    switch.FAIL_IN.clear()
    template = migration_settings.TENANT_TEMPLATE_SCHEMA_NAME
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{template}".django_migrations WHERE app = %s', ["pgt_widgets"])
        cursor.execute(f'DROP TABLE IF EXISTS "{template}".pgt_widgets_gadget, "{template}".pgt_widgets_widget')


def test_a_new_migration_adds_distributed_tables_to_every_tenant(widgets):
    before = {name: table_counts(name) for name in TENANTS}
    with widgets_settings(migrations=V2):
        out = migrate(verbosity=1, jobs=2)
    assert "replaying" not in out  # the replay runs DDL inside a function, which Citus does not convert
    for name in TENANTS:
        total, distributed = table_counts(name)
        assert total == before[name][0] + 1  # pgt_widgets_gadget
        assert distributed == total, f"{name}: {distributed} of {total} tables distributed"
        assert "colour" in columns(name, "pgt_widgets_widget")  # ALTER TABLE reached the shard's node


def test_a_migration_citus_refuses_names_the_cause_and_leaves_tenants_as_they_were(widgets):
    # Citus refuses triggers on distributed tables (unless citus.enable_unsafe_triggers is on).
    trigger = {"pgt_widgets": "packages.migrations.citus_tests.widgets_trigger"}
    with (
        widgets_settings(migrations=trigger),
        pytest.raises(CommandError, match="triggers are not supported on distributed tables"),
    ):
        migrate(verbosity=0)
    for name in TENANTS:
        assert not has_trigger(name, "widget_upper")
        assert migrations_of(name, "pgt_widgets") == ["0001_initial"]
        total, distributed = table_counts(name)
        assert distributed == total


def has_trigger(schema: str, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = to_regnamespace(%s) AND t.tgname = %s)",
            [f'"{schema}"', name],
        )
        return bool(cursor.fetchone()[0])


def test_a_second_run_is_refused_while_another_holds_the_lock():
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with migration_lock():
                held.set()
                release.wait(20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(CommandError, match="Another migrate_schemas is running on database 'default'"):
            migrate(no_wait=True, verbosity=0)
    finally:
        release.set()
        holder.join()


def test_a_tenant_whose_migration_fails_leaves_the_others_migrated(widgets):
    switch.FAIL_IN.add("cz_m2")
    seed = {"pgt_widgets": "packages.migrations.citus_tests.widgets_seed"}
    with (
        widgets_settings(migrations=seed),
        pytest.raises(CommandError, match=r"failed in 1 schema\(s\): cz_m2 \(RuntimeError: bad data in cz_m2\)"),
    ):
        migrate(verbosity=0, jobs=2)
    assert migrations_of("cz_m1", "pgt_widgets") == ["0001_initial", "0002_seed"]
    assert migrations_of("cz_m2", "pgt_widgets") == ["0001_initial"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM cz_m1.pgt_widgets_widget")
        assert cursor.fetchall() == [("cz_m1",)]
        cursor.execute("SELECT count(*) FROM cz_m2.pgt_widgets_widget")
        assert cursor.fetchone()[0] == 0
    for name in TENANTS:
        total, distributed = table_counts(name)
        assert distributed == total
