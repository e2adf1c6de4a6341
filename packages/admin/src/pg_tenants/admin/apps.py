"""App configuration for ``pg_tenants.admin`` (label ``pg_tenants_admin``)."""

from __future__ import annotations

from django.apps import AppConfig


class PgTenantsAdminConfig(AppConfig):
    """The tenant admin app. Its label is set so it never takes Django's ``admin``."""

    name = "pg_tenants.admin"
    label = "pg_tenants_admin"
    verbose_name = "Tenant admin"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
