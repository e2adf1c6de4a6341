"""One typed view of the settings the resolvers read.

Every property reads :data:`django.conf.settings` when accessed, so
``override_settings`` just works. Validation is in :mod:`.checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings


class ResolverSettings:
    """Typed, live accessors for the resolvers' settings (defaults beside each name)."""

    def _get(self, name: str, default: Any) -> Any:
        return getattr(settings, name, default)

    # -- links (the way back) ------------------------------------------------------

    @property
    def TENANT_URL_SCHEME(self) -> str:
        """Scheme of links built by ``url_for`` for host-based resolvers: ``"https"`` or ``"http"``."""
        return str(self._get("TENANT_URL_SCHEME", "https"))

    @property
    def TENANT_URL_PORT(self) -> int | None:
        """Port added to links built for host-based resolvers (omitted when ``None`` or the scheme's default)."""
        value = self._get("TENANT_URL_PORT", None)
        return None if value in (None, "") else value

    @property
    def TENANT_BASE_URL(self) -> str | None:
        """Where the header and path resolvers' links point: ``"https://app.example.com"``."""
        value = self._get("TENANT_BASE_URL", None)
        return str(value) if value else None

    # -- subdomain -----------------------------------------------------------------

    @property
    def TENANT_BASE_DOMAIN(self) -> str | None:
        """The domain whose first-level subdomains are tenant slugs (``"example.com"``)."""
        value = self._get("TENANT_BASE_DOMAIN", None)
        return str(value) if value else None

    @property
    def TENANT_PUBLIC_SUBDOMAINS(self) -> Sequence[str]:
        """Subdomains of the base domain that reach the public tenant, like the bare base domain."""
        return tuple(str(s).lower() for s in self._get("TENANT_PUBLIC_SUBDOMAINS", ("www",)))

    # -- header --------------------------------------------------------------------

    @property
    def TENANT_HEADER_NAME(self) -> str:
        """Request header carrying the tenant's slug."""
        return str(self._get("TENANT_HEADER_NAME", "X-Tenant"))

    @property
    def TENANT_TRUSTED_PROXIES(self) -> Sequence[str]:
        """IP addresses or CIDR networks (of ``REMOTE_ADDR``) allowed to choose the tenant by header."""
        value = self._get("TENANT_TRUSTED_PROXIES", ())
        if isinstance(value, str):
            return (value,)
        return tuple(value)

    @property
    def TENANT_TRUSTED_PROXY_CHECK(self) -> str | Callable[..., Any] | None:
        """A callable ``check(request) -> bool`` (or its dotted path) that may also trust a request."""
        return self._get("TENANT_TRUSTED_PROXY_CHECK", None)  # type: ignore[no-any-return]

    # -- path ----------------------------------------------------------------------

    @property
    def TENANT_PATH_PREFIX(self) -> str:
        """Path segment(s) before the slug: ``"t"`` serves tenant ``acme`` at ``/t/acme/``."""
        return str(self._get("TENANT_PATH_PREFIX", "t"))

    @property
    def TENANT_PATH_PUBLIC(self) -> bool:
        """Whether paths outside the prefix reach the public tenant (else: no opinion, for chains)."""
        return bool(self._get("TENANT_PATH_PUBLIC", True))

    # -- hosts (django-hosts) ------------------------------------------------------

    @property
    def TENANT_HOSTS_GROUP(self) -> str:
        """Named group of a django-hosts host regex that holds the tenant's slug."""
        return str(self._get("TENANT_HOSTS_GROUP", "tenant"))

    @property
    def TENANT_HOSTS_TENANT_HOST(self) -> str | None:
        """Name of the host pattern ``url_for`` reverses for tenants (default: first with the group)."""
        value = self._get("TENANT_HOSTS_TENANT_HOST", None)
        return str(value) if value else None

    @property
    def TENANT_HOSTS_PUBLIC_HOST(self) -> str | None:
        """Name of the host pattern ``url_for`` reverses for the public tenant (default: ``DEFAULT_HOST``)."""
        value = self._get("TENANT_HOSTS_PUBLIC_HOST", None) or self._get("DEFAULT_HOST", None)
        return str(value) if value else None


resolver_settings = ResolverSettings()
