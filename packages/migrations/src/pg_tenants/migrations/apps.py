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
        from importlib.util import find_spec

        from django.apps import apps

        from . import checks  # noqa: F401  (registers the system checks)

        # Newer cores key the content-type cache by schema themselves.
        if apps.is_installed("django.contrib.contenttypes") and find_spec("pg_tenants.core.contenttypes") is None:
            from .contenttypes import install_schema_keyed_contenttype_cache

            install_schema_keyed_contenttype_cache()
