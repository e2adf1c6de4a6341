"""Links to tenant sites, built by the configured resolver."""

from __future__ import annotations

from django.conf import settings

from pg_tenants.core.models import TenantModel
from pg_tenants.core.resolvers import tenant_url


def site_url(tenant: TenantModel, path: str = "/") -> str:
    """The absolute URL of ``path`` on ``tenant``'s site (``acme.localhost:8000`` or ``localhost:8000/t/acme``)."""
    return tenant_url(tenant, path)


def public_url(path: str = "/") -> str:
    """The absolute URL of ``path`` on the public site."""
    return f"{settings.TENANT_URL_SCHEME}://{settings.TENANT_BASE_DOMAIN}:{settings.TENANT_URL_PORT}{path}"
