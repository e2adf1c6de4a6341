"""Settings read by the migrations package, with their defaults.

Cached like every package's settings (:class:`pg_tenants.core.conf.PackageSettings`),
so ``override_settings`` just works; values are returned as configured and
checked in :mod:`.checks`.
"""

from __future__ import annotations

from pg_tenants.core.conf import PackageSettings

#: Schema name of the template that new tenants are cloned from.
DEFAULT_TEMPLATE_SCHEMA_NAME = "_pg_tenants_template"

#: Default key of the PostgreSQL advisory lock held by ``migrate_schemas``.
DEFAULT_MIGRATION_LOCK_KEY = 0x70675F74656E  # "pg_ten"


class MigrationSettings(PackageSettings):
    """Typed, live accessors for the migrations package's settings."""

    @property
    def TENANT_MIGRATION_JOBS(self) -> int:
        """Default ``--jobs`` of ``migrate_schemas`` (schemas migrated at once, one connection each)."""
        return self._get("TENANT_MIGRATION_JOBS", 2)

    @property
    def TENANT_MIGRATION_LOCK_KEY(self) -> int:
        """Key of the advisory lock that keeps two ``migrate_schemas`` runs apart."""
        return self._get("TENANT_MIGRATION_LOCK_KEY", DEFAULT_MIGRATION_LOCK_KEY)

    @property
    def TENANT_USE_TEMPLATE(self) -> bool:
        """Keep a template schema migrated and clone new tenants from it (``False``: always migrate)."""
        return self._get("TENANT_USE_TEMPLATE", True)

    @property
    def TENANT_TEMPLATE_SCHEMA_NAME(self) -> str:
        """Schema kept migrated by ``migrate_schemas`` and cloned for new tenants."""
        return self._get("TENANT_TEMPLATE_SCHEMA_NAME", DEFAULT_TEMPLATE_SCHEMA_NAME)

    @property
    def TENANT_MIGRATION_POST_MIGRATE(self) -> str:
        """When ``migrate_schemas`` sends ``post_migrate`` in a tenant schema.

        ``"always"`` (after every schema that had migrations, like ``migrate``) or
        ``"auto"`` (default: only when the plan adds, removes or renames models or
        changes model options, which is all Django's own receivers react to).
        """
        return self._get("TENANT_MIGRATION_POST_MIGRATE", "auto")

    @property
    def TENANT_MIGRATION_REPLAY(self) -> bool:
        """Replay a plan's generated SQL in batches of schemas when the plan allows it.

        ``True`` (default): a plan made only of schema operations and ``RunSQL``
        is turned into SQL once and applied to ``TENANT_MIGRATION_BATCH_SIZE``
        schemas per round trip; anything else runs Django's executor in each
        schema. ``False``: always run the executor (like ``migrate_schemas --executor``).
        """
        return self._get("TENANT_MIGRATION_REPLAY", True)

    @property
    def TENANT_MIGRATION_BATCH_SIZE(self) -> int:
        """Schemas per round trip (and per transaction) when a plan is replayed (at least 1 is used)."""
        return self._get("TENANT_MIGRATION_BATCH_SIZE", 50)

    @property
    def TENANT_SPARE_SCHEMAS(self) -> int:
        """Spare copies of the template kept ready; a new tenant takes one by renaming it (0: off)."""
        return self._get("TENANT_SPARE_SCHEMAS", 0)

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
        return self._get("TENANT_SPARE_REFILL", "thread")


migration_settings = MigrationSettings()
