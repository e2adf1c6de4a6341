"""How a request finds its tenant: the resolvers of django-pg-tenants.

Set ``TENANT_RESOLVER`` to one of the names this package registers in the
``pg_tenants.resolvers`` entry-point group, or a list of them tried in order:

    TENANT_RESOLVER = "subdomain"              # acme.example.com
    TENANT_RESOLVER = "hostname"               # any Domain row
    TENANT_RESOLVER = ["header", "hostname"]   # X-Tenant from a trusted proxy, else the host
    TENANT_RESOLVER = "path"                   # /t/acme/...
    TENANT_RESOLVER = "hosts"                  # django-hosts patterns

:func:`tenant_url` builds a link to a tenant through the configured resolver;
the ``pg_tenants`` template library offers it as ``{% tenant_url %}``.
"""

from __future__ import annotations

from pg_tenants.core.resolvers import tenant_url

from .base import NO_TENANT, TenantURLUnavailable
from .header import HeaderResolver
from .hostname import HostnameResolver
from .path import PathResolver
from .subdomain import SubdomainResolver

__all__ = [
    "NO_TENANT",
    "HeaderResolver",
    "HostnameResolver",
    "PathResolver",
    "SubdomainResolver",
    "TenantURLUnavailable",
    "tenant_url",
]
