"""Creating a tenant's schema: take a spare, clone the template, or migrate from scratch.

The core calls :func:`provision_schema` inside the transaction that saves the
tenant row, so the schema (a renamed spare, a clone, or migrations run from
scratch) and the row commit or vanish together. A clone (see :mod:`.cloning`)
copies the template with its ``django_migrations`` rows; migrations newer than
the template are then applied on top, so a template that is behind is still a
good start, unless ``migrate_schemas`` with a target left the template pinned
there on purpose (see :mod:`.pinning`): then the copy stays as it is.

With ``TENANT_SPARE_SCHEMAS`` set, a ready-made copy of the template is
renamed instead of cloning one (see :mod:`.spares`).
"""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, transaction

from pg_tenants.core.schema import create_schema
from pg_tenants.core.validation import validate_schema_name

from .cloning import clone_schema
from .conf import migration_settings
from .graph import Key, load_graph
from .pinning import template_pin
from .runner import migrate_schema
from .spares import claim_spare, refill_after_commit

logger = logging.getLogger("pg_tenants.migrations")


def provision_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS, **kwargs: object) -> None:
    """Create ``schema_name`` and bring it to the current migrations, atomically.

    Takes a spare schema when ``TENANT_SPARE_SCHEMAS`` is set and one is free,
    else clones ``TENANT_TEMPLATE_SCHEMA_NAME`` when it exists (then applies any
    migration the copy lacks, unless the template is pinned); otherwise creates
    the schema and runs every tenant migration. Called by the core when a new
    tenant is saved.
    """
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
                cloned = clone_schema(migration_settings.TENANT_TEMPLATE_SCHEMA_NAME, schema_name, using=using)
        if cloned is None:
            logger.info("No template schema to clone; migrating %s from scratch.", schema_name)
            create_schema(schema_name, using)
        if cloned is not None and snapshot.side(schema_name, using).expected <= cloned:
            return
        pinned = template_pin(using) if cloned is not None else None
        if pinned is not None:
            logger.info("Tenant schema %s left as the template is, pinned at %s.", schema_name, pinned)
            return
        migrate_schema(schema_name, snapshot, using=using, create=False, raise_errors=True)
