"""``migrate_schemas APP [MIGRATION]``: the target a run migrates every schema to, forwards or backwards.

The arguments mean what they mean to Django's ``migrate``: an app label alone
is that app's latest migration, ``zero`` unapplies all of the app's migrations,
and a migration name may be abbreviated to any prefix that is unique in the
app. :func:`resolve_target` checks them against the migration graph and names
the fix when they do not fit, before anything is migrated.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.migrations.exceptions import AmbiguityError

from pg_tenants.core.conf import tenant_settings

from .conf import migration_settings
from .graph import MigrationGraphSnapshot

#: What the executor is given: ``(app, name)``, or ``(app, None)`` for ``zero``.
TargetKey = tuple[str, str | None]


class InvalidTarget(Exception):
    """Target arguments that name no migration; the message says why, as ``migrate`` would."""


@dataclass(frozen=True, slots=True)
class MigrationTarget:
    """Where one app's migrations are to be brought in every schema of the run."""

    app_label: str
    #: The executor's targets: the migration, the app's leaves (latest), or ``(app, None)`` (zero).
    keys: tuple[TargetKey, ...]

    def __str__(self) -> str:
        names = [name for _, name in self.keys]
        if names == [None]:
            return f"{self.app_label} zero"
        return ", ".join(f"{self.app_label}.{name}" for name in names)


def resolve_target(snapshot: MigrationGraphSnapshot, app_label: str, migration_name: str | None) -> MigrationTarget:
    """The :class:`MigrationTarget` of ``migrate_schemas app_label [migration_name]``, or :class:`InvalidTarget`."""
    try:
        apps.get_app_config(app_label)
    except LookupError as exc:
        raise InvalidTarget(str(exc)) from None
    loader = snapshot.loader
    if app_label not in loader.migrated_apps:
        raise InvalidTarget(f"App '{app_label}' does not have migrations.")
    if migration_name is None:
        leaves = tuple(key for key in loader.graph.leaf_nodes() if key[0] == app_label)
        return MigrationTarget(app_label, leaves)
    if migration_name == "zero":
        return MigrationTarget(app_label, ((app_label, None),))
    try:
        migration = loader.get_migration_by_prefix(app_label, migration_name)
    except AmbiguityError:
        raise InvalidTarget(
            f"More than one migration matches '{migration_name}' in app '{app_label}'. Please be more specific."
        ) from None
    except KeyError:
        raise InvalidTarget(f"Cannot find a migration matching '{migration_name}' from app '{app_label}'.") from None
    key = (app_label, migration.name)
    if key not in loader.graph.nodes:
        squash = next(
            (f"{app}.{name}" for (app, name), squashed in loader.replacements.items() if key in squashed.replaces),
            "a squashed migration",
        )
        raise InvalidTarget(
            f"{app_label}.{migration.name} is replaced by {squash}: migrate_schemas cannot stop inside a squash. "
            "Target the squashed migration, or one before or after it."
        )
    return MigrationTarget(app_label, (key,))


def target_sides(
    target: MigrationTarget, snapshot: MigrationGraphSnapshot, using: str, shared_only: bool, tenants_only: bool
) -> tuple[bool, bool]:
    """Whether the public schema, and the tenant schemas, migrate the target's app.

    A ``SHARED_APPS`` label targets public, a ``TENANT_APPS`` label the tenant
    schemas and the template, one in both both. :class:`InvalidTarget` when
    no schema the run covers migrates it (``--shared`` / ``--tenants`` narrow it).
    """
    label = target.app_label
    in_public = label in snapshot.side(tenant_settings.PUBLIC_SCHEMA_NAME, using).apps
    in_tenants = label in snapshot.side(migration_settings.TENANT_TEMPLATE_SCHEMA_NAME, using).apps
    if not (in_public or in_tenants):
        raise InvalidTarget(
            f"App '{label}' is migrated in no schema: the database routers allow it neither in the public "
            "schema (SHARED_APPS) nor in tenant schemas (TENANT_APPS). Add it to one of them first."
        )
    if shared_only and not in_public:
        raise InvalidTarget(
            f"--shared: app '{label}' is not migrated in the public schema (it is not in SHARED_APPS). "
            "Leave --shared out to migrate the tenant schemas."
        )
    if tenants_only and not in_tenants:
        raise InvalidTarget(
            f"--tenants: app '{label}' is not migrated in tenant schemas (it is not in TENANT_APPS). "
            "Leave --tenants out to migrate the public schema."
        )
    return in_public, in_tenants
