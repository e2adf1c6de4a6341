"""Fixtures of the Citus suite (``hatch run citus:test``, see ``scripts/citus_tests.py``).

The tests run in the database of ``CITUS_DATABASE_URL`` itself: a test
database made with ``CREATE DATABASE`` would need the extension and the node
list on every node, so none is made. The session migrates it once; each test
removes the tenants and spares it made.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from pg_tenants.migrations.citus import citus_state
from pg_tenants.migrations.lifecycle import delete_tenant
from pg_tenants.migrations.runner import tenant_schema_names
from pg_tenants.migrations.spares import drop_spare_schemas


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        state = citus_state()
        if not state.schema_sharding:
            raise RuntimeError(
                f"CITUS_DATABASE_URL is not a Citus coordinator with schema-based sharding on "
                f"(citus extension: {state.version or 'not installed'}): set "
                "citus.enable_schema_based_sharding = on and CREATE EXTENSION citus."
            )
        call_command("migrate_schemas", verbosity=0)
        for name in tenant_schema_names():
            delete_tenant(name)  # left by an interrupted run
        drop_spare_schemas()
    yield


@pytest.fixture
def citus(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Database access without a wrapping transaction (moves and distribution commit on their own)."""
    with django_db_blocker.unblock():
        before = set(tenant_schema_names())
        try:
            yield
        finally:
            connection.close()  # a failed test may leave the connection in an aborted transaction
            for name in set(tenant_schema_names()) - before:
                delete_tenant(name)
            drop_spare_schemas()


def run(command: str, *args: str, **options: Any) -> str:
    """A management command's output."""
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=out, **options)
    return out.getvalue()


def table_counts(schema: str) -> tuple[int, int]:
    """``(tables, distributed tables)`` of ``schema`` (shards hidden, as Citus shows the catalog).

    Distributed: in a co-location group, so placed with the schema (a citus
    local table, on the coordinator only, does not count).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(p.logicalrelid) FROM pg_class c "
            "LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid AND p.colocationid <> 0 "  # not citus local
            "WHERE c.relnamespace = to_regnamespace(%s) AND c.relkind IN ('r', 'p')",
            [f'"{schema}"'],
        )
        total, distributed = cursor.fetchone()
    return int(total), int(distributed)


def citus_table_type(qualified: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT citus_table_type FROM citus_tables WHERE table_name = to_regclass(%s)", [qualified])
        row = cursor.fetchone()
    return row[0] if row else None
