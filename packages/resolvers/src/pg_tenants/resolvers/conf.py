"""One typed view of the settings the resolvers read.

Cached like every package's settings (:class:`pg_tenants.core.conf.PackageSettings`):
a value is read once, until a setting changes, so ``override_settings``
just works. Values are returned as configured; their types and values are
checked in :mod:`.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pg_tenants.core.conf import PackageSettings


class ResolverSettings(PackageSettings):
    """Typed, live accessors for the resolvers' settings (defaults beside each name)."""

    # -- links (the way back) ------------------------------------------------------

    @property
    def TENANT_URL_SCHEME(self) -> str:
        """Scheme of links built by ``url_for`` for host-based resolvers: ``"https"`` or ``"http"``."""
        return self._get("TENANT_URL_SCHEME", "https")

    @property
    def TENANT_URL_PORT(self) -> int | str | None:
        """Port added to links built for host-based resolvers (omitted when ``None`` or the scheme's default)."""
        value = self._get("TENANT_URL_PORT", None)
        return None if value == "" else value

    @property
    def TENANT_BASE_URL(self) -> str | None:
        """Where the header and path resolvers' links point: ``"https://app.example.com"``."""
        return self._get("TENANT_BASE_URL", None) or None

    # -- subdomain -----------------------------------------------------------------

    @property
    def TENANT_BASE_DOMAIN(self) -> str | None:
        """The domain whose first-level subdomains are tenant slugs (``"example.com"``)."""
        return self._get("TENANT_BASE_DOMAIN", None) or None

    @property
    def TENANT_PUBLIC_SUBDOMAINS(self) -> Sequence[str]:
        """Subdomains of the base domain that reach the public tenant, like the bare base domain."""
        return self._get("TENANT_PUBLIC_SUBDOMAINS", ("www",))

    # -- header --------------------------------------------------------------------

    @property
    def TENANT_HEADER_NAME(self) -> str:
        """Request header carrying the tenant's slug."""
        return self._get("TENANT_HEADER_NAME", "X-Tenant")

    @property
    def TENANT_TRUSTED_PROXIES(self) -> str | Sequence[str]:
        """IP addresses or CIDR networks (of ``REMOTE_ADDR``) allowed to choose the tenant by header (one: a string)."""
        return self._get("TENANT_TRUSTED_PROXIES", ())

    @property
    def TENANT_TRUSTED_PROXY_CHECK(self) -> str | Callable[..., Any] | None:
        """A callable ``check(request) -> bool`` (or its dotted path) that may also trust a request."""
        return self._get("TENANT_TRUSTED_PROXY_CHECK", None)

    # -- path ----------------------------------------------------------------------

    @property
    def TENANT_PATH_PREFIX(self) -> str:
        """Path segment(s) before the slug: ``"t"`` serves tenant ``acme`` at ``/t/acme/``."""
        return self._get("TENANT_PATH_PREFIX", "t")

    @property
    def TENANT_PATH_PUBLIC(self) -> bool:
        """Whether paths outside the prefix reach the public tenant (else: no opinion, for chains)."""
        return self._get("TENANT_PATH_PUBLIC", True)

    # -- hosts (django-hosts) ------------------------------------------------------

    @property
    def TENANT_HOSTS_GROUP(self) -> str:
        """Named group of a django-hosts host regex that holds the tenant's slug."""
        return self._get("TENANT_HOSTS_GROUP", "tenant")

    @property
    def TENANT_HOSTS_TENANT_HOST(self) -> str | None:
        """Name of the host pattern ``url_for`` reverses for tenants (default: first with the group)."""
        return self._get("TENANT_HOSTS_TENANT_HOST", None) or None

    @property
    def TENANT_HOSTS_PUBLIC_HOST(self) -> str | None:
        """Name of the host pattern ``url_for`` reverses for the public tenant (default: ``DEFAULT_HOST``)."""
        return self._get("TENANT_HOSTS_PUBLIC_HOST", None) or self._get("DEFAULT_HOST", None) or None

    # -- derived (not settings) ------------------------------------------------------

    def trusted_proxies(self) -> tuple[str, ...]:
        """``TENANT_TRUSTED_PROXIES`` as a tuple (a single string is one entry)."""
        value = self.TENANT_TRUSTED_PROXIES
        return (value,) if isinstance(value, str) else tuple(value)

    def public_subdomains(self) -> frozenset[str]:
        """``TENANT_PUBLIC_SUBDOMAINS``, lower-cased (hosts are compared lower-cased)."""
        return frozenset(str(label).lower() for label in self.TENANT_PUBLIC_SUBDOMAINS)


resolver_settings = ResolverSettings()
