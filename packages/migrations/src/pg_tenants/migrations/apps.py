"""App configuration for ``pg_tenants.migrations`` (label ``pg_tenants_migrations``)."""

from __future__ import annotations

from django.apps import AppConfig


class PgTenantsMigrationsConfig(AppConfig):
    """Provides the tenant management commands and the schema-cloning provisioner."""

    name = "pg_tenants.migrations"
    # Without an explicit label Django would pick "migrations".
    label = "pg_tenants_migrations"
    verbose_name = "Tenant migrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The core keys ContentType's cache by schema (pg_tenants.core.contenttypes).
        from . import checks  # noqa: F401  (registers the system checks)
