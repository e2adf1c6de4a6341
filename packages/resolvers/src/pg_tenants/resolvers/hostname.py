"""``HostnameResolver``: the request's full host is a row of ``TENANT_DOMAIN_MODEL``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.checks import CheckMessage

from pg_tenants.core import public_context
from pg_tenants.core.resolution import Resolution

from .base import TenantURLUnavailable, host_url, request_hostname
from .checks import check_domain_model, check_url_options

if TYPE_CHECKING:
    from django.http import HttpRequest

    from pg_tenants.core.models import TenantModel


class HostnameResolver:
    """Any number of domains per tenant, one of them primary.

    The host is normalised the way ``DomainModel`` stores domains (port
    dropped, case folded, trailing dot removed, IDN as punycode), so
    ``ACME.Example.com.:8000`` finds the row ``acme.example.com``.
    """

    def resolve(self, request: HttpRequest) -> Resolution | None:
        """A domain look-up for the request's host; ``None`` when the host is no domain name."""
        host = request_hostname(request)
        if host is None:
            return None
        return Resolution("domain", host)

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        """A link on the tenant's primary domain (or its first domain when none is primary).

        Reads the tenant's domains: prefetch them (``prefetch_related("domains")``)
        when building links for many tenants.
        """
        domains: list[Any] = []
        if tenant.pk is not None:
            with public_context():
                domains = list(tenant.domains.all())  # type: ignore[attr-defined]
        if not domains:
            raise TenantURLUnavailable(
                f"Tenant {tenant.schema_name!r} has no domain, so the hostname resolver cannot link to it: "
                "add a row to TENANT_DOMAIN_MODEL for it."
            )
        primary = next((d for d in domains if d.is_primary), None) or min(domains, key=lambda d: d.pk)
        return host_url(primary.domain, path)

    def check(self) -> list[CheckMessage]:
        """E010, E003, E004: the domain model and link options."""
        return check_domain_model() + check_url_options()
