"""System checks of the migrations package (ids ``pg_tenants_migrations.*``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from pg_tenants.core.check_helpers import setting_type_errors
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name

from .conf import migration_settings


@register()
def check_migrations_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W001, E001-E004: a shared app, a usable template name, spare settings, setting types."""
    # These three have checks of their own that report any wrong value.
    own_checks = ("TENANT_TEMPLATE_SCHEMA_NAME", "TENANT_SPARE_SCHEMAS", "TENANT_SPARE_REFILL")
    messages = setting_type_errors(migration_settings, "pg_tenants_migrations.E004", skip=own_checks)
    if "pg_tenants.migrations" not in tenant_settings.SHARED_APPS:
        messages.append(
            Warning(
                "pg_tenants.migrations is installed but not in SHARED_APPS, so its SQL functions are not "
                "installed in the public schema: new tenants are created by running every migration "
                "(slow) and migrate_schemas checks each schema separately.",
                hint='Add "pg_tenants.migrations" to SHARED_APPS and run migrate_schemas --shared.',
                id="pg_tenants_migrations.W001",
            )
        )
    try:
        validate_schema_name(migration_settings.TENANT_TEMPLATE_SCHEMA_NAME)
    except InvalidSchemaName as exc:
        messages.append(
            Error(
                f"TENANT_TEMPLATE_SCHEMA_NAME is not usable: {exc.messages[0]}",
                hint="Set it to an unused schema name such as '_pg_tenants_template'.",
                id="pg_tenants_migrations.E003",
            )
        )
    spares = migration_settings.TENANT_SPARE_SCHEMAS
    if not isinstance(spares, int) or isinstance(spares, bool) or spares < 0:
        messages.append(
            Error(
                "TENANT_SPARE_SCHEMAS must be a whole number, 0 or more "
                f"(got {settings_value('TENANT_SPARE_SCHEMAS')}).",
                hint="Set it to how many ready-made copies of the template to keep, e.g. 5, or 0 for none.",
                id="pg_tenants_migrations.E001",
            )
        )
    if migration_settings.TENANT_SPARE_REFILL not in ("thread", "manual"):
        messages.append(
            Error(
                f"TENANT_SPARE_REFILL must be 'thread' or 'manual' (got {settings_value('TENANT_SPARE_REFILL')}).",
                hint="'thread' refills spare schemas in the background after each sign-up; 'manual' leaves it "
                "to migrate_schemas, the spare_schemas command or your task queue.",
                id="pg_tenants_migrations.E002",
            )
        )
    return messages


def settings_value(name: str) -> str:
    """How a setting's value appears in a check message."""
    return repr(getattr(settings, name, None))


@register(Tags.database)
def check_citus(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W002, W003, E005 on a Citus coordinator (``manage.py check --database default``).

    Tagged ``database``: Django runs it only for the aliases ``check
    --database`` (or ``migrate``) names, so start-up never waits on the server.
    """
    from django.db import DatabaseError, connections

    from .citus import SHARDING_SETTING, citus_state, foreign_key_problems, unplaceable_schemas
    from .runner import tenant_schema_names

    messages: list[CheckMessage] = []
    for alias in databases or []:
        if connections[alias].vendor != "postgresql":
            continue
        try:
            state = citus_state(alias)
        except DatabaseError:
            continue  # Django's own database checks report a server it cannot reach
        if state.version is None:
            continue
        if not state.schema_sharding:
            messages.append(
                Warning(
                    f"Database {alias!r} is a Citus coordinator (citus {state.version}) with {SHARDING_SETTING} off: "
                    "new tenants are regular schemas on the coordinator, which Citus cannot move.",
                    hint=f"ALTER SYSTEM SET {SHARDING_SETTING} = on; SELECT pg_reload_conf(); on the coordinator, "
                    "then `manage.py tenant_placement --distribute` for the tenants made meanwhile.",
                    id="pg_tenants_migrations.W002",
                )
            )
            continue
        for problem in foreign_key_problems(alias):
            messages.append(
                Error(
                    f"Citus cannot keep this foreign key of database {alias!r}: {problem}",
                    hint="See the docs guide 'Outgrowing one server', section 'Foreign keys'.",
                    id="pg_tenants_migrations.E005",
                )
            )
        stuck = unplaceable_schemas(tenant_schema_names(alias), alias)
        if stuck:
            shown = ", ".join(stuck[:5]) + (f" and {len(stuck) - 5} more" if len(stuck) > 5 else "")
            messages.append(
                Warning(
                    f"{len(stuck)} tenant schema(s) of database {alias!r} have tables Citus does not distribute, "
                    f"so they stay on the coordinator and cannot be moved: {shown}.",
                    hint="Run `manage.py tenant_placement --distribute`.",
                    id="pg_tenants_migrations.W003",
                )
            )
    return messages
