"""Settings read by the migrations package, with their defaults.

Like :mod:`pg_tenants.core.conf`, every property reads :data:`django.conf.settings`
live.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

#: Schema name of the template that new tenants are cloned from.
DEFAULT_TEMPLATE_SCHEMA_NAME = "_pg_tenants_template"

#: Default key of the PostgreSQL advisory lock held by ``migrate_schemas``.
DEFAULT_MIGRATION_LOCK_KEY = 0x70675F74656E  # "pg_ten"


class MigrationSettings:
    """Typed, live accessors for the migrations package's settings."""

    def _get(self, name: str, default: Any) -> Any:
        return getattr(settings, name, default)

    @property
    def TENANT_MIGRATION_JOBS(self) -> int:
        """Default ``--jobs`` of ``migrate_schemas`` (schemas migrated at once, one connection each)."""
        return int(self._get("TENANT_MIGRATION_JOBS", 2))

    @property
    def TENANT_MIGRATION_LOCK_KEY(self) -> int:
        """Key of the advisory lock that keeps two ``migrate_schemas`` runs apart."""
        return int(self._get("TENANT_MIGRATION_LOCK_KEY", DEFAULT_MIGRATION_LOCK_KEY))

    @property
    def TENANT_USE_TEMPLATE(self) -> bool:
        """Keep a template schema migrated and clone new tenants from it (``False``: always migrate)."""
        return bool(self._get("TENANT_USE_TEMPLATE", True))

    @property
    def TENANT_TEMPLATE_SCHEMA_NAME(self) -> str:
        """Schema kept migrated by ``migrate_schemas`` and cloned for new tenants."""
        return str(self._get("TENANT_TEMPLATE_SCHEMA_NAME", DEFAULT_TEMPLATE_SCHEMA_NAME))

    @property
    def TENANT_MIGRATION_POST_MIGRATE(self) -> str:
        """When ``migrate_schemas`` sends ``post_migrate`` in a tenant schema.

        ``"always"`` (after every schema that had migrations, like ``migrate``) or
        ``"auto"`` (default: only when the plan adds, removes or renames models or
        changes model options, which is all Django's own receivers react to).
        """
        return str(self._get("TENANT_MIGRATION_POST_MIGRATE", "auto"))

    @property
    def TENANT_MIGRATION_REPLAY(self) -> bool:
        """Replay a plan's generated SQL in batches of schemas when the plan allows it.

        ``True`` (default): a plan made only of schema operations and ``RunSQL``
        is turned into SQL once and applied to ``TENANT_MIGRATION_BATCH_SIZE``
        schemas per round trip; anything else runs Django's executor in each
        schema. ``False``: always run the executor (like ``migrate_schemas --executor``).
        """
        return bool(self._get("TENANT_MIGRATION_REPLAY", True))

    @property
    def TENANT_MIGRATION_BATCH_SIZE(self) -> int:
        """Schemas per round trip (and per transaction) when a plan is replayed."""
        return max(1, int(self._get("TENANT_MIGRATION_BATCH_SIZE", 50)))

    @property
    def TENANT_SPARE_SCHEMAS(self) -> int:
        """Spare copies of the template kept ready; a new tenant takes one by renaming it (0: off)."""
        return int(self._get("TENANT_SPARE_SCHEMAS", 0))

    @property
    def TENANT_SPARE_REFILL(self) -> str:
        """Who makes new spares after one is taken: ``"thread"`` (default) or ``"manual"``.

        ``"thread"``: once the new tenant's transaction commits, a background
        thread of the same process clones the template until
        ``TENANT_SPARE_SCHEMAS`` spares exist. ``"manual"``: only
        ``migrate_schemas``, the ``spare_schemas`` command or a call to
        :func:`pg_tenants.migrations.spares.refill_spare_schemas` (from a task
        queue, say) make them.
        """
        return str(self._get("TENANT_SPARE_REFILL", "thread"))


migration_settings = MigrationSettings()
