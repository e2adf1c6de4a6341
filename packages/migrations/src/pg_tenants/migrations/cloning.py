"""Copying a schema in one round trip with the SQL function this app installs.

``pg_tenants_clone_schema(source, target, with_data)``, installed in the public
schema by this app's migrations (see :mod:`.sql`), copies tables, sequences
(with their values), defaults, constraints, indexes, foreign keys (re-pointed
into the new schema, or kept on ``public`` for shared tables), views,
functions, triggers and, unless told not to, every row, ``django_migrations``
and content types included. It is the bottom layer of provisioning: spare
schemas (:mod:`.spares`) are clones of the template, and a new tenant
(:mod:`.provisioning`) is a spare or a clone.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.validation import quote_identifier, validate_schema_name

from .citus import citus_sharding, distribute_schema, drop_local_copies, regular_schemas
from .graph import Key, parse_key
from .runner import functions_installed


def clone_schema(source: str, target: str, *, using: str = DEFAULT_DB_ALIAS, with_data: bool = True) -> set[Key] | None:
    """Create ``target`` as a copy of ``source``; return the migrations ``target`` has recorded.

    Returns ``None`` (and creates nothing) when ``source`` does not exist or the
    clone function is not installed. Raises if ``target`` exists.
    """
    validate_schema_name(source)
    validate_schema_name(target)
    if not functions_installed(using):
        return None
    public = quote_identifier(tenant_settings.PUBLIC_SCHEMA_NAME)
    sql = f"SELECT {public}.pg_tenants_clone_schema(%s, %s, %s)"
    if not citus_sharding(using):
        return applied_by(sql, [source, target, with_data], using)
    # Citus converts only top-level CREATE TABLE: copy into a regular schema, then distribute it.
    with transaction.atomic(using=using, savepoint=False):
        with regular_schemas(using):
            applied = applied_by(sql, [source, target, with_data], using)
        if applied is not None:
            distribute_schema(target, using)
            if with_data:
                restore_sequences(source, target, using)
                drop_local_copies(target, using)
    return applied


def restore_sequences(source: str, target: str, using: str) -> None:
    """Give ``target``'s sequences ``source``'s positions again (``citus_schema_distribute`` restarts identities)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT setval(to_regclass(format('%%I.%%I', %s::text, s.sequencename)), s.last_value) "
            "FROM pg_sequences s WHERE s.schemaname = %s AND s.last_value IS NOT NULL "
            "AND to_regclass(format('%%I.%%I', %s::text, s.sequencename)) IS NOT NULL",
            [target, source, target],
        )


def applied_by(sql: str, params: list[str | bool], using: str) -> set[Key] | None:
    """Run ``sql`` (one of the functions that make a schema and return its ``app.name`` migrations) as keys.

    ``None`` when the function made nothing (it returned NULL).
    """
    with transaction.atomic(using=using, savepoint=False), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return {parse_key(entry) for entry in row[0]}
