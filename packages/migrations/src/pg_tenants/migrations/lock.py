"""The advisory lock that keeps two ``migrate_schemas`` runs from interleaving.

The lock is a PostgreSQL transaction-level advisory lock, taken on a
connection of its own in a transaction kept open for the whole run and rolled
back at the end, so it is released when the run ends, fails, or its process
dies. A second run waits for it (saying so) unless it was asked not to wait, in
which case it refuses with :class:`MigrationLockBusy`.

Why not a session-level lock on the command's own connection: behind a
transaction pooler (PgBouncer ``pool_mode = transaction``) a session lock is
taken by whichever server connection ran that one statement, and that server
connection then serves other clients. The next run to be handed it takes the
lock again (advisory locks are re-entrant within a session), so two runs
would both hold it. An open transaction keeps its server connection for this
client alone, so a transaction-level lock inside it is exclusive through a
transaction pooler as well as on a direct connection. The cost is one more
connection per run; it sits idle in transaction, holding no snapshot, so keep
``idle_in_transaction_session_timeout`` (and PgBouncer's
``idle_transaction_timeout``) longer than a run, or off for the migrating role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

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


def _try_lock(holder: BaseDatabaseWrapper, key: int) -> bool:
    with holder.cursor() as cursor:
        # Before the first query: under OPTIONS["isolation_level"] REPEATABLE READ or
        # SERIALIZABLE the transaction would keep its first snapshot, holding back
        # vacuum, for the whole run.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
        row = cursor.fetchone()
    return bool(row and row[0])


@contextmanager
def migration_lock(
    using: str = DEFAULT_DB_ALIAS, *, wait: bool = True, on_wait: Callable[[int | None], None] | None = None
) -> Iterator[None]:
    """Hold the migration lock for the block.

    When it is taken: with ``wait`` call ``on_wait(holder_pid)`` once and block
    until it is free; without, raise :class:`MigrationLockBusy`.
    """
    key = migration_settings.TENANT_MIGRATION_LOCK_KEY
    # A wrapper of its own: the block's work (and its own transactions) runs on
    # connections[using] meanwhile, and must not end this transaction.
    holder = connections[using].copy()
    try:
        holder.set_autocommit(False)
        if not _try_lock(holder, key):
            holder_pid = lock_holder_pid(using)
            if not wait:
                raise MigrationLockBusy(
                    f"Another migrate_schemas is running on database {using!r}"
                    + (f" (PostgreSQL backend pid {holder_pid})" if holder_pid else "")
                    + ": try again when it has finished, or run without --no-wait to wait for it."
                )
            if on_wait is not None:
                on_wait(holder_pid)
            with holder.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield
    finally:
        # Ending the transaction releases the lock. Closing alone would too, but a
        # pooled connection is handed back clean only after a rollback; a broken one
        # has lost the lock with its session already.
        with suppress(DatabaseError):
            holder.rollback()
        holder.close()
