"""Optional app config: add ``"pg_tenants.resolvers"`` to ``INSTALLED_APPS`` for ``{% load pg_tenants %}``.

The resolvers work without it; the app only makes Django find the template
tag library. It has no models and no migrations.
"""

from __future__ import annotations

from django.apps import AppConfig


class ResolversConfig(AppConfig):
    """The ``pg_tenants`` template tag library (``{% tenant_url %}``)."""

    name = "pg_tenants.resolvers"
    label = "pg_tenants_resolvers"
    verbose_name = "Tenant resolvers"
