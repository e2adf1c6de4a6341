"""The advisory lock that keeps two ``migrate_schemas`` runs from interleaving.

The lock is a PostgreSQL session-level advisory lock taken on the command's own
connection, so it is released when the run ends, fails, or its process dies.
A second run waits for it (saying so) unless it was asked not to wait, in which
case it refuses with :class:`MigrationLockBusy`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

from .conf import migration_settings


class MigrationLockBusy(RuntimeError):
    """Another ``migrate_schemas`` holds the lock and the caller chose not to wait."""


def lock_holder_pid(using: str = DEFAULT_DB_ALIAS) -> int | None:
    """Backend pid of the session holding the migration lock, if any."""
    key = migration_settings.TENANT_MIGRATION_LOCK_KEY
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s AND objid = %s AND objsubid = 1",
            [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


@contextmanager
def migration_lock(
    using: str = DEFAULT_DB_ALIAS, *, wait: bool = True, on_wait: Callable[[int | None], None] | None = None
) -> Iterator[None]:
    """Hold the migration lock for the block.

    When it is taken: with ``wait`` call ``on_wait(holder_pid)`` once and block
    until it is free; without, raise :class:`MigrationLockBusy`.
    """
    key = migration_settings.TENANT_MIGRATION_LOCK_KEY
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        row = cursor.fetchone()
        got = bool(row and row[0])
    if not got:
        holder = lock_holder_pid(using)
        if not wait:
            raise MigrationLockBusy(
                f"Another migrate_schemas is running on database {using!r}"
                + (f" (PostgreSQL backend pid {holder})" if holder else "")
                + ": try again when it has finished, or run without --no-wait to wait for it."
            )
        if on_wait is not None:
            on_wait(holder)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        if connection.connection is not None and connection.is_usable():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
