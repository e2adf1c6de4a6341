"""Fixtures of the migrations tests: the widgets test app, and schemas cleaned up after each test."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from packages.migrations.tests.pgt_widgets import switch

WIDGETS = "packages.migrations.tests.pgt_widgets.apps.WidgetsConfig"
V1 = {"pgt_widgets": "packages.migrations.tests.pgt_widgets.migrations_v1"}
V2 = {"pgt_widgets": "packages.migrations.tests.pgt_widgets.migrations"}
V3 = {"pgt_widgets": "packages.migrations.tests.pgt_widgets.migrations_v3"}
V4 = {"pgt_widgets": "packages.migrations.tests.pgt_widgets.migrations_v4"}
V5 = {"pgt_widgets": "packages.migrations.tests.pgt_widgets.migrations_v5"}
V6 = {"pgt_widgets": "packages.migrations.tests.pgt_widgets.migrations_v6"}


def user_schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' "
            "AND nspname NOT IN ('information_schema', 'public')"
        )
        return {row[0] for row in cursor.fetchall()}


def widgets_settings(migrations: dict[str, str] = V2, **extra: Any) -> override_settings:
    """Settings with the widgets app installed as a tenant app."""
    return override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, WIDGETS],
        TENANT_APPS=[*settings.TENANT_APPS, WIDGETS],
        MIGRATION_MODULES=migrations,
        **extra,
    )


def migrate(*args: str, **options: Any) -> str:
    """``migrate_schemas`` with plain output (unless ``format`` says otherwise); what it printed."""
    out = io.StringIO()
    options.setdefault("format", "plain")
    call_command("migrate_schemas", *args, stdout=out, **options)
    return out.getvalue()


def make_tenants(count: int, prefix: str = "mt") -> list[str]:
    """Tenants cloned from a template that has only the widgets app's first migration."""
    from sandbox.customers.models import Client

    with widgets_settings(migrations=V1):
        migrate(verbosity=0)
        names = [f"{prefix}_{n:03d}" for n in range(count)]
        for name in names:
            Client.objects.create(schema_name=name)
    return names


def recorded(schema: str, name: str = "0002_seed") -> int:
    """How many times ``schema`` has recorded the widgets migration ``name``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM \"{schema}\".django_migrations WHERE app = 'pgt_widgets' AND name = %s", [name]
        )
        return int(cursor.fetchone()[0])


def migrations_of(schema: str, app: str = "pgt_widgets") -> list[str]:
    """The names of ``app``'s migrations ``schema`` has recorded, in order ([] without a history)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".django_migrations'])
        if not cursor.fetchone()[0]:
            return []
        cursor.execute(f'SELECT name FROM "{schema}".django_migrations WHERE app = %s ORDER BY name', [app])
        return [row[0] for row in cursor.fetchall()]


def columns(schema: str, table: str) -> set[str]:
    """The column names of ``schema.table`` (empty when it does not exist)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            [schema, table],
        )
        return {row[0] for row in cursor.fetchall()}


def table_exists(schema: str, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}"."{table}"'])
        return bool(cursor.fetchone()[0])


@pytest.fixture
def fresh_schemas(transactional_db: Any) -> Iterator[None]:
    """Drops every schema the test created (the template included) and resets the widgets switch."""
    before = user_schemas()
    switch.FAIL_IN.clear()
    switch.DELAY = 0.0
    try:
        yield
    finally:
        switch.FAIL_IN.clear()
        switch.DELAY = 0.0
        connection.close()
        with connection.cursor() as cursor:
            for name in sorted(user_schemas() - before):
                cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


def assert_widgets_work(tenant: Any, untouched: str) -> None:
    """In ``tenant``'s schema: sequences, the trigger and FKs into its own tables and into public work,
    and the seed widget's copy in schema ``untouched`` saw none of it."""
    from packages.migrations.tests.pgt_widgets.models import Widget
    from pg_tenants.core import tenant_context
    from sandbox.catalog.models import Category

    category = Category.objects.create(name="tools")
    with tenant_context(tenant):
        parent = Widget.objects.get()
        child = Widget.objects.create(name="child", parent=parent, category=category)
        assert child.pk == parent.pk + 1
        child.refresh_from_db()
        assert child.name == "CHILD"
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{untouched}".pgt_widgets_widget')
        assert cursor.fetchone()[0] == 1
