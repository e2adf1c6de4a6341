"""App configuration for ``pg_tenants.admin`` (label ``pg_tenants_admin``)."""

from __future__ import annotations

from django.apps import AppConfig, apps

from pg_tenants.core.signals import schema_created, schema_migrated


class PgTenantsAdminConfig(AppConfig):
    """The tenant admin app. Its label is set so it never takes Django's ``admin``."""

    name = "pg_tenants.admin"
    label = "pg_tenants_admin"
    verbose_name = "Tenant admin"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        if apps.is_installed("django.contrib.admin"):
            from . import history, logentries

            # Each tenant schema's admin log names the operators (public users): see history.py.
            schema_created.connect(history.on_schema_created, dispatch_uid="pg_tenants_admin_log_created")
            schema_migrated.connect(history.on_schema_migrated, dispatch_uid="pg_tenants_admin_log_migrated")
            logentries.install()
