"""Creating a tenant's schema: clone the template, or migrate from scratch.

The core calls :func:`provision_schema` inside the transaction that saves the
tenant row, so the clone (or the migrations) and the row commit or vanish
together. Cloning is one round trip: ``pg_tenants_clone_schema(template, new)``,
installed in the public schema by this app's migration, copies tables,
sequences (with their values), defaults, constraints, indexes, foreign keys
(re-pointed into the new schema, or kept on ``public`` for shared tables),
views, functions, triggers and every row of the template, ``django_migrations``
and content types included. Migrations newer than the template are then
applied on top, so a template that is behind is still a good start.

With ``TENANT_SPARE_SCHEMAS`` set, a ready-made copy of the template is
renamed instead of cloning one (see :mod:`.spares`).
"""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.schema import create_schema
from pg_tenants.core.validation import quote_identifier, validate_schema_name

from .conf import migration_settings
from .graph import Key, load_graph
from .runner import _key, functions_installed, migrate_schema

logger = logging.getLogger("pg_tenants.migrations")


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
    return applied_by(f"SELECT {public}.pg_tenants_clone_schema(%s, %s, %s)", [source, target, with_data], using)


def applied_by(sql: str, params: list[str | bool], using: str) -> set[Key] | None:
    """Run ``sql`` (one of the functions that make a schema and return its ``app.name`` migrations) as keys.

    ``None`` when the function made nothing (it returned NULL).
    """
    with transaction.atomic(using=using, savepoint=False), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return {_key(entry) for entry in row[0]}


def provision_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS, **kwargs: object) -> None:
    """Create ``schema_name`` and bring it to the current migrations, atomically.

    Takes a spare schema when ``TENANT_SPARE_SCHEMAS`` is set and one is free,
    else clones ``TENANT_TEMPLATE_SCHEMA_NAME`` when it exists (then applies any
    migration the copy lacks); otherwise creates the schema and runs every
    tenant migration. Called by the core when a new tenant is saved.
    """
    from .spares import claim_spare, refill_after_commit

    validate_schema_name(schema_name)
    snapshot = load_graph()
    # No savepoint: a failure here must undo the caller's transaction (the tenant row) anyway,
    # and a sign-up saves two round trips.
    with transaction.atomic(using=using, savepoint=False):
        cloned: set[Key] | None = None
        if migration_settings.TENANT_USE_TEMPLATE:
            if migration_settings.TENANT_SPARE_SCHEMAS > 0:
                cloned = claim_spare(schema_name, using=using)
                refill_after_commit(using)  # also when none was left: the pool is empty
            if cloned is None:
                cloned = clone_schema(tenant_settings.TENANT_TEMPLATE_SCHEMA_NAME, schema_name, using=using)
        if cloned is None:
            logger.info("No template schema to clone; migrating %s from scratch.", schema_name)
            create_schema(schema_name, using)
        if cloned is None or not snapshot.expected <= cloned:
            migrate_schema(schema_name, snapshot, using=using, create=False, raise_errors=True)
