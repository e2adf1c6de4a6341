"""``HeaderResolver``: a trusted reverse proxy names the tenant in a header (``X-Tenant: acme``)."""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.checks import CheckMessage
from django.utils.module_loading import import_string

from pg_tenants.core.resolution import Resolution

from .base import NO_TENANT, base_url, is_slug
from .checks import check_base_url, check_header_settings
from .conf import resolver_settings

if TYPE_CHECKING:
    from django.http import HttpRequest

    from pg_tenants.core.models import TenantModel

logger = logging.getLogger("pg_tenants.resolvers")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=16)
def trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """The valid networks among ``entries`` (invalid ones are reported by ``pg_tenants_resolvers.E007``)."""
    networks: list[IPNetwork] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


@functools.lru_cache(maxsize=16)
def _import_check(path: str) -> Callable[..., Any] | None:
    try:
        check = import_string(path)
    except ImportError:
        return None  # reported by pg_tenants_resolvers.E008; trust nobody meanwhile
    return check if callable(check) else None


def client_address(request: HttpRequest) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``REMOTE_ADDR`` as an address (IPv4-mapped IPv6 as IPv4), or ``None`` when it is not one."""
    try:
        address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", "")).strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(request: HttpRequest) -> bool:
    """Whether the request came through a proxy allowed to choose the tenant.

    Trusted when ``REMOTE_ADDR`` is in ``TENANT_TRUSTED_PROXIES``, or when
    ``TENANT_TRUSTED_PROXY_CHECK(request)`` returns true.
    """
    address = client_address(request)
    if address is not None:
        for network in trusted_networks(resolver_settings.trusted_proxies()):
            if address.version == network.version and address in network:
                return True
    check = resolver_settings.TENANT_TRUSTED_PROXY_CHECK
    if isinstance(check, str):
        check = _import_check(check)
    return bool(check(request)) if callable(check) else False


def meta_key(header: str) -> str:
    """The ``request.META`` key of an HTTP header: ``X-Tenant`` -> ``HTTP_X_TENANT``."""
    return "HTTP_" + header.upper().replace("-", "_")


def header_value(request: HttpRequest, header: str) -> str | None:
    """The value of ``header`` as the client's proxy sent it, or ``None``.

    Under ASGI the raw header names are read (``request.scope["headers"]``):
    a name that differs from ``header`` only by underscores in place of
    hyphens (``X_Tenant`` for ``X-Tenant``), which ``request.META`` cannot
    tell apart, is dropped and logged. Several headers of the name are joined
    with commas, as Django does. Under WSGI the server built ``request.META``
    and ``request.META`` is read.
    """
    scope = getattr(request, "scope", None)
    raw_headers = scope.get("headers") if isinstance(scope, dict) else None
    if raw_headers is None:
        raw = request.META.get(meta_key(header))
        return None if raw is None else str(raw)
    wanted = header.lower()
    values: list[str] = []
    for raw_name, raw_value in raw_headers:
        name = bytes(raw_name).decode("latin1").lower()
        if name == wanted:
            values.append(bytes(raw_value).decode("latin1"))
        elif "_" in name and name.replace("_", "-") == wanted:
            logger.warning(
                "Ignored the header %r from %r: it would be read as %s, which a proxy that strips or sets only "
                "%s lets clients choose.",
                name,
                request.META.get("REMOTE_ADDR"),
                header,
                header,
            )
    return ",".join(values) if values else None


class HeaderResolver:
    """The tenant's slug from a request header, set by a reverse proxy you trust.

    The header is honoured only when the request comes from
    ``TENANT_TRUSTED_PROXIES`` (or passes ``TENANT_TRUSTED_PROXY_CHECK``). From
    anyone else it is ignored and logged (logger ``pg_tenants.resolvers``):
    an open header would let any visitor switch tenants. Header name:
    ``TENANT_HEADER_NAME`` (default ``X-Tenant``).

    A header whose name has underscores where ``TENANT_HEADER_NAME`` has
    hyphens (``X_Tenant``) is dropped, as nginx, gunicorn and Django's
    ``runserver`` drop such headers, and a warning is logged; the request goes
    on as if it had not been sent (the proxy's own ``X-Tenant``, if any,
    still counts). Refusing the whole request with a 400 would add nothing: the
    spoofed header never chooses the tenant either way. Under ASGI the resolver
    reads the raw header names itself, so this holds on every Django version;
    under WSGI the server builds ``request.META`` and must drop them (check
    that yours does, or have the proxy strip them).
    """

    def resolve(self, request: HttpRequest) -> Resolution | None:
        """The slug in the header from a trusted client; ``None`` when absent or untrusted."""
        header = resolver_settings.TENANT_HEADER_NAME
        raw = header_value(request, header)
        if raw is None:
            return None
        value = str(raw).strip().lower()
        if not value:
            return None
        if not is_trusted(request):
            logger.warning(
                "Ignored the %s header %r from %r, which is not a trusted proxy (TENANT_TRUSTED_PROXIES).",
                header,
                str(raw)[:100],
                request.META.get("REMOTE_ADDR"),
            )
            return None
        # A trusted proxy asked for a tenant: an impossible slug is "no such
        # tenant", never a reason to let another resolver pick one.
        return Resolution("slug", value) if is_slug(value) else NO_TENANT

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        """``TENANT_BASE_URL`` + ``path``: a link cannot carry a header, the proxy in front adds it."""
        return base_url(path, resolver="header")

    def vary_headers(self) -> tuple[str, ...]:
        """``TENANT_HEADER_NAME``: every tenant shares URLs and hosts, so caches must vary on the header.

        ``TenantMiddleware`` adds it to the ``Vary`` of every response, which
        keeps Django's cache middleware and HTTP caches apart per tenant.
        ``cache_page`` stores pages inside the view, before ``Vary`` is added:
        it needs the tenant key function (:mod:`pg_tenants.core.cache_keys`,
        system check ``pg_tenants.W002``).
        """
        return (resolver_settings.TENANT_HEADER_NAME,)

    def client_headers(self, tenant: TenantModel) -> dict[str, str]:
        """WSGI environ entries that make a test client's requests reach ``tenant``.

        The header, and a ``REMOTE_ADDR`` inside ``TENANT_TRUSTED_PROXIES`` when
        the test client's default (127.0.0.1) is not trusted.
        """
        headers = {meta_key(resolver_settings.TENANT_HEADER_NAME): tenant.slug}
        networks = trusted_networks(resolver_settings.trusted_proxies())
        loopback = ipaddress.ip_address("127.0.0.1")
        if networks and not any(loopback.version == n.version and loopback in n for n in networks):
            network = networks[0]
            headers["REMOTE_ADDR"] = str(next(iter(network.hosts()), network.network_address))
        return headers

    def check(self) -> list[CheckMessage]:
        """E005-E008, W001, W002: header name, trusted proxies, base URL."""
        return check_header_settings() + check_base_url("header")
