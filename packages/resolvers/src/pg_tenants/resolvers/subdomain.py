"""``SubdomainResolver``: ``acme.example.com`` is the tenant whose slug is ``acme``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.checks import CheckMessage

from pg_tenants.core.hostnames import InvalidHost, normalize_domain
from pg_tenants.core.resolution import Resolution

from .base import host_url, is_slug, request_hostname
from .checks import check_base_domain, check_url_options
from .conf import resolver_settings

if TYPE_CHECKING:
    from django.http import HttpRequest

    from pg_tenants.core.models import TenantModel


class SubdomainResolver:
    """One tenant per first-level subdomain of ``TENANT_BASE_DOMAIN``.

    * ``acme.example.com`` -> the tenant whose ``slug`` is ``acme``;
    * ``example.com`` and ``www.example.com`` (``TENANT_PUBLIC_SUBDOMAINS``) -> the public tenant;
    * ``a.b.example.com`` and hosts outside the base domain -> no opinion (``None``),
      so a chain can try the next resolver, and alone it is a 404.
    """

    def _base_domain(self) -> str | None:
        value = resolver_settings.TENANT_BASE_DOMAIN
        if not value:
            return None
        try:
            return normalize_domain(value)
        except InvalidHost:
            return None  # reported by check() as pg_tenants_resolvers.E002

    def resolve(self, request: HttpRequest) -> Resolution | None:
        """The slug in the request's host, the public tenant for the base domain, else ``None``."""
        base = self._base_domain()
        host = request_hostname(request)
        if base is None or host is None:
            return None
        if host == base:
            return Resolution.public()
        label, dot, rest = host.partition(".")
        if not dot or rest != base:
            return None  # outside the base domain, or deeper than one label
        if label in resolver_settings.public_subdomains():
            return Resolution.public()
        if not is_slug(label):
            return None
        return Resolution("slug", label)

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        """``https://<slug>.<base domain><path>``; the bare base domain for the public tenant."""
        base = self._base_domain()
        if base is None:
            raise NotImplementedError(
                "The subdomain resolver builds links from TENANT_BASE_DOMAIN, which is not set or not a "
                'domain name: set it, e.g. TENANT_BASE_DOMAIN = "example.com".'
            )
        host = base if tenant.is_public else f"{tenant.slug}.{base}"
        return host_url(host, path)

    def check(self) -> list[CheckMessage]:
        """E001-E004: the base domain and link options."""
        return check_base_domain() + check_url_options()
