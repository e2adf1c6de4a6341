"""App configuration for ``pg_tenants.channels`` (label ``pg_tenants_channels``)."""

from __future__ import annotations

from django.apps import AppConfig


class PgTenantsChannelsConfig(AppConfig):
    """Registers the package's system checks; the middleware, router and consumers need nothing else."""

    name = "pg_tenants.channels"
    label = "pg_tenants_channels"
    verbose_name = "Tenant-aware Django Channels"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
