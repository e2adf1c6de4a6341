"""App configuration for ``pg_tenants.migrations`` (label ``pg_tenants_migrations``)."""

from __future__ import annotations

from django.apps import AppConfig

from pg_tenants.core.schema import register_provisioner

from .conf import migration_settings


class PgTenantsMigrationsConfig(AppConfig):
    """Provides the tenant management commands and the schema-cloning provisioner."""

    name = "pg_tenants.migrations"
    # Without an explicit label Django would pick "migrations".
    label = "pg_tenants_migrations"
    verbose_name = "Tenant migrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .provisioning import provision_schema

        # The core creates new tenants' schemas with whatever is registered here.
        register_provisioner(provision_schema, app=self.name, reserved_schema_names=_template_schema_name)


def _template_schema_name() -> tuple[str]:
    return (migration_settings.TENANT_TEMPLATE_SCHEMA_NAME,)
