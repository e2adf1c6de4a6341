"""What every resolver shares: reading the host, building links, the "no tenant" answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pg_tenants.core.hostnames import InvalidHost, normalize_domain
from pg_tenants.core.resolution import Resolution
from pg_tenants.core.validation import SLUG_RE

from .conf import resolver_settings

if TYPE_CHECKING:
    from django.http import HttpRequest

#: A resolution no tenant can match (slugs are never empty): the request is
#: clearly meant for a tenant, but names none that can exist. The middleware
#: answers it like any unknown tenant (404, or ``TENANT_NOT_FOUND``) instead of
#: letting a later resolver in a chain pick a different tenant.
NO_TENANT = Resolution("slug", "")

DEFAULT_PORTS = {"http": 80, "https": 443}


class TenantURLUnavailable(NotImplementedError):
    """This resolver cannot build a link to that tenant (a chain then asks the next one)."""


def request_hostname(request: HttpRequest) -> str | None:
    """The request's host in normal form (no port, lower case, punycode), or ``None`` if it is no domain.

    ``request.get_host()`` applies ``ALLOWED_HOSTS`` and ``USE_X_FORWARDED_HOST``;
    a host it rejects raises ``DisallowedHost``, which Django answers with 400.
    """
    try:
        return normalize_domain(request.get_host())
    except InvalidHost:
        return None


def is_slug(value: str) -> bool:
    """Whether ``value`` could be a tenant's slug (a lowercase DNS label)."""
    return SLUG_RE.fullmatch(value) is not None


def join_path(path: str) -> str:
    """``path`` with exactly one leading slash."""
    return "/" + path.lstrip("/")


def host_url(host: str, path: str = "/", *, scheme: str | None = None, port: int | str | None = None) -> str:
    """An absolute URL for ``host`` and ``path``, with ``TENANT_URL_SCHEME`` / ``TENANT_URL_PORT`` by default."""
    scheme = (scheme or resolver_settings.TENANT_URL_SCHEME).lower()
    if port is None:
        port = resolver_settings.TENANT_URL_PORT
    netloc = host
    if port not in (None, "") and str(port) != str(DEFAULT_PORTS.get(scheme)):
        netloc = f"{host}:{port}"
    return f"{scheme}://{netloc}{join_path(path)}"


def base_url(path: str, *, prefix: str = "", resolver: str) -> str:
    """``TENANT_BASE_URL`` + ``prefix`` + ``path``, or :class:`TenantURLUnavailable` naming the setting."""
    base = resolver_settings.TENANT_BASE_URL
    if not base:
        raise TenantURLUnavailable(
            f"The {resolver} resolver builds links from TENANT_BASE_URL, which is not set: "
            'set it to where the site is served, e.g. TENANT_BASE_URL = "https://app.example.com".'
        )
    return base.rstrip("/") + prefix + join_path(path)
