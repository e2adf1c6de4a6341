"""Links to tenant sites, built by the configured resolver."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from pg_tenants.core.models import TenantModel
from pg_tenants.core.resolvers import tenant_url


def site_url(tenant: TenantModel, path: str = "/") -> str:
    """The absolute URL of ``path`` on ``tenant``'s site, with runserver's port.

    The resolver knows how a tenant is reached (``acme.localhost`` or
    ``localhost/t/acme``); the port is the example's own business.
    """
    url = tenant_url(tenant, path)
    parts = urlsplit(url)
    if not parts.netloc:
        parts = parts._replace(scheme="http", netloc=settings.TENANT_BASE_DOMAIN)
    if parts.port is None:
        parts = parts._replace(netloc=f"{parts.hostname}:{settings.TENANT_URL_PORT}")
    return urlunsplit(parts)
