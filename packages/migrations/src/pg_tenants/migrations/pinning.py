"""The template's pin: where ``migrate_schemas APP MIGRATION`` left it, so new tenants start there too.

Provisioning normally applies whatever migrations a fresh copy of the template
lacks, so a tenant created between a deploy and the next ``migrate_schemas``
matches the code. After a run with a target (``migrate_schemas notes 0003``,
often backwards) the template is deliberately behind the leaves, like every
tenant, and a new tenant must stay there too. Such a run marks the template
with a schema comment naming the target; provisioning leaves copies of a
pinned template as they are, and the next run without a target removes the
mark once it has brought the template to the leaves.

The comment is the template's own: clones and spares do not copy it (a spare
carries the spare mark, removed when a tenant claims it).
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

from pg_tenants.core.validation import quote_identifier

from .conf import migration_settings

#: How the comment of a pinned template starts; the target follows.
PIN_PREFIX = "pg_tenants template pinned by migrate_schemas at "


def template_pin(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The target the template is pinned at (``"notes.0003_tags"``), or ``None``."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s",
            [migration_settings.TENANT_TEMPLATE_SCHEMA_NAME],
        )
        row = cursor.fetchone()
    comment = row[0] if row else None
    if isinstance(comment, str) and comment.startswith(PIN_PREFIX):
        return comment.removeprefix(PIN_PREFIX)
    return None


def pin_template(target: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Mark the template as left at ``target`` on purpose."""
    name = quote_identifier(migration_settings.TENANT_TEMPLATE_SCHEMA_NAME)
    with connections[using].cursor() as cursor:
        cursor.execute(f"COMMENT ON SCHEMA {name} IS %s", [PIN_PREFIX + target])


def unpin_template(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Remove the pin, if any; return the target it named."""
    pinned = template_pin(using)
    if pinned is not None:
        name = quote_identifier(migration_settings.TENANT_TEMPLATE_SCHEMA_NAME)
        with connections[using].cursor() as cursor:
            cursor.execute(f"COMMENT ON SCHEMA {name} IS NULL")
    return pinned
