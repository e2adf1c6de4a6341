"""Spare schemas: copies of the template made ahead of time, so a sign-up only renames one.

Cloning the template costs tens of milliseconds of DDL (one file per table,
index and sequence), most of it PostgreSQL creating relations; no clone can go
below that. With ``TENANT_SPARE_SCHEMAS = N`` the library keeps up to ``N``
finished copies of the template, named ``<template>_spare_<random>`` and marked
by a schema comment. Creating a tenant then claims one with
``ALTER SCHEMA … RENAME`` in the tenant's own transaction (tables, sequences,
defaults, views, triggers and foreign keys refer to each other by OID, so the
rename moves all of them), applies any migration the spare lacks, and, once the
transaction commits, a background thread (``TENANT_SPARE_REFILL = "thread"``)
clones the template to replace it. With no spare ready, the tenant is cloned
from the template as usual.

Two transactions never take the same spare: each claim holds a
transaction-level advisory lock on the spare's name, and a spare another
transaction holds is skipped. ``migrate_schemas`` drops spares that have fallen
behind the migrations and tops the pool up from the freshly migrated template;
the ``spare_schemas`` command shows, fills, rebuilds or drops the pool. After
a run with a target (the template moved, maybe backwards) it drops them all.
"""

from __future__ import annotations

import logging
import secrets
import threading

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.validation import quote_identifier, validate_schema_name

from .cloning import applied_by, clone_schema
from .conf import migration_settings
from .graph import Key, MigrationGraphSnapshot
from .records import find_false_records
from .runner import functions_installed, schemas_behind
from .sql import SPARE_COMMENT, SPARE_LOCK_CLASS

logger = logging.getLogger("pg_tenants.migrations")

#: Second key of the advisory lock held while a transaction adds a spare (one filler at a time).
_FILL_LOCK = 0


def spare_prefix() -> str:
    """The name every spare schema starts with: the template's name (cut to 40 characters) and ``_spare_``."""
    return f"{migration_settings.TENANT_TEMPLATE_SCHEMA_NAME[:40]}_spare_"


def spare_schema_names(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The spare schemas that exist now, oldest name first."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) "
            "AND obj_description(oid, 'pg_namespace') = %s ORDER BY nspname",
            [spare_prefix(), SPARE_COMMENT],
        )
        return [row[0] for row in cursor.fetchall()]


def claim_spare(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> set[Key] | None:
    """Rename a spare schema to ``schema_name``; return the migrations it has recorded.

    ``None`` when no spare is free (none left, or each held by another
    transaction) or this app's version-3 function is not installed. Runs in the
    caller's transaction: if that rolls back, the spare is a spare again.
    """
    validate_schema_name(schema_name)
    if not functions_installed(using, ["pg_tenants_claim_spare(text, text)"]):
        return None
    public = quote_identifier(tenant_settings.PUBLIC_SCHEMA_NAME)
    applied = applied_by(f"SELECT {public}.pg_tenants_claim_spare(%s, %s)", [spare_prefix(), schema_name], using)
    if applied is not None:
        logger.info("Tenant schema %s made from a spare schema.", schema_name)
    return applied


def _add_spare(count: int, using: str) -> bool:
    """In one transaction: one more spare if fewer than ``count`` exist and no one else is adding one."""
    template = migration_settings.TENANT_TEMPLATE_SCHEMA_NAME
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SPARE_LOCK_CLASS, _FILL_LOCK])
            row = cursor.fetchone()
        if not (row and row[0]) or len(spare_schema_names(using)) >= count:
            return False
        name = spare_prefix() + secrets.token_hex(6)
        if clone_schema(template, name, using=using) is None:
            return False  # no template (or no clone function): nothing to copy
        with connections[using].cursor() as cursor:
            cursor.execute(f"COMMENT ON SCHEMA {quote_identifier(name)} IS %s", [SPARE_COMMENT])
    return True


def refill_spare_schemas(count: int | None = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Clone the template until ``count`` (default ``TENANT_SPARE_SCHEMAS``) spares exist; return how many were made.

    Each spare is made in a transaction of its own. Stops early, making
    nothing more, when there is no template to copy or another process is
    adding a spare at the same moment (it will finish the job). Safe to call
    from a task queue after each sign-up.
    """
    wanted = migration_settings.TENANT_SPARE_SCHEMAS if count is None else count
    if not migration_settings.TENANT_USE_TEMPLATE:
        return 0
    made = 0
    while made < wanted and _add_spare(wanted, using):
        made += 1
    return made


def drop_spare_schemas(names: list[str] | None = None, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Drop the given spares (default: all); return those dropped.

    A spare being claimed by a sign-up at this moment is left alone (the
    sign-up applies whatever migrations it lacks).
    """
    dropped = []
    for name in spare_schema_names(using) if names is None else names:
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s)) AND EXISTS "
                "(SELECT 1 FROM pg_namespace WHERE nspname = %s AND obj_description(oid, 'pg_namespace') = %s)",
                [SPARE_LOCK_CLASS, name, name, SPARE_COMMENT],
            )
            row = cursor.fetchone()
            if row and row[0]:
                cursor.execute(f"DROP SCHEMA {quote_identifier(name)} CASCADE")
                dropped.append(name)
    return dropped


def refresh_spare_schemas(
    snapshot: MigrationGraphSnapshot, using: str = DEFAULT_DB_ALIAS, *, drop_all: bool = False
) -> tuple[int, int]:
    """Drop stale spares, then refill; return ``(dropped, made)`` (``migrate_schemas`` ends so).

    Stale: lacking a migration, or holding rows of an app whose tables it lacks
    (copied from a template :mod:`.records` has since repaired); with
    ``drop_all``, every spare (the template was moved to a target, maybe backwards).
    """
    names = spare_schema_names(using)
    if drop_all:
        stale = names
    else:
        stale = [name for name, _ in schemas_behind(names, snapshot, using)]
        stale += [name for name in find_false_records(names, snapshot, using) if name not in stale]
    dropped = drop_spare_schemas(stale, using) if stale else []
    return len(dropped), refill_spare_schemas(using=using)


_refilling = threading.Lock()
_refill_thread: threading.Thread | None = None


def _refill_worker(using: str) -> None:
    try:
        refill_spare_schemas(using=using)
    except Exception:
        logger.exception("Making spare schemas failed; new tenants are cloned from the template meanwhile.")
    finally:
        connections.close_all()
        _refilling.release()


def refill_in_background(using: str = DEFAULT_DB_ALIAS) -> threading.Thread | None:
    """Start a thread that refills the pool, unless one of this process is already at it; return it.

    The thread is not a daemon: a process that ends (a management command, a
    worker shutting down) lets it finish the spare it is making.
    """
    global _refill_thread
    if not _refilling.acquire(blocking=False):
        return None
    thread = threading.Thread(target=_refill_worker, args=(using,), name="pg-tenants-spare-refill")
    _refill_thread = thread
    try:
        thread.start()
    except BaseException:
        _refilling.release()
        raise
    return thread


def wait_for_refill(timeout: float | None = None) -> None:
    """Wait for this process's background refill, if any (tests, and a clean shutdown)."""
    thread = _refill_thread
    if thread is not None:
        thread.join(timeout)


def refill_after_commit(using: str) -> None:
    """Provisioning with spares on: once the new tenant commits, refill the pool as ``TENANT_SPARE_REFILL`` says."""
    if migration_settings.TENANT_SPARE_REFILL == "thread":
        transaction.on_commit(lambda: refill_in_background(using), using=using)
