"""How ``TENANT_RESOLVER`` is turned into a resolver: entry points, dotted paths, chains.

:class:`~pg_tenants.core.resolution.Resolution` and the
:class:`~pg_tenants.core.resolution.Resolver` protocol live in
:mod:`pg_tenants.core.resolution`.

A resolver reads a request and says how to find its tenant; it never touches
the database itself. The middleware looks the answer up through the tenant
cache, so a warm lookup costs no SQL.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .conf import tenant_settings
from .distribution import pip_install
from .resolution import Resolution, Resolver

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import TenantModel

ENTRY_POINT_GROUP = "pg_tenants.resolvers"

#: Which extra of ``django-pg-tenants`` provides each well-known resolver name.
KNOWN_RESOLVERS: dict[str, str] = {
    "subdomain": "resolvers",
    "hostname": "resolvers",
    "header": "resolvers",
    "path": "resolvers",
    "hosts": "hosts",
}


class ChainResolver:
    """Tries resolvers in order; the first that resolves wins."""

    def __init__(self, resolvers: Sequence[Resolver]) -> None:
        self.resolvers = list(resolvers)

    def resolve(self, request: HttpRequest) -> Resolution | None:
        for resolver in self.resolvers:
            resolution = resolver.resolve(request)
            if resolution is not None:
                return resolution
        return None

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        """The link built by the first resolver in the chain that can build one."""
        errors = []
        for resolver in self.resolvers:
            try:
                return resolver.url_for(tenant, path)
            except NotImplementedError as exc:
                errors.append(str(exc))
        raise NotImplementedError("No resolver in the chain can build a URL: " + "; ".join(errors))

    def vary_headers(self) -> tuple[str, ...]:
        """The request headers any resolver in the chain reads, each once (for ``Vary``)."""
        return merge_headers(*(vary_headers(resolver) for resolver in self.resolvers))

    def client_headers(self, tenant: TenantModel) -> dict[str, str]:
        """Request headers of the resolver that builds the tenant's URL (used by ``TenantClient``)."""
        for resolver in self.resolvers:
            try:
                resolver.url_for(tenant, "/")
            except NotImplementedError:
                continue
            headers = getattr(resolver, "client_headers", None)
            return dict(headers(tenant)) if callable(headers) else {}
        return {}

    def check(self) -> list[Any]:
        """The system-check messages of every resolver in the chain, each once."""
        messages: list[Any] = []
        for resolver in self.resolvers:
            check = getattr(resolver, "check", None)
            for message in check() if callable(check) else []:
                if message not in messages:
                    messages.append(message)
        return messages


def vary_headers(resolver: Resolver) -> tuple[str, ...]:
    """The request headers ``resolver`` chooses the tenant by, from its optional ``vary_headers()``.

    ``TenantMiddleware`` names them in the ``Vary`` header of every response,
    so caches (Django's cache middleware, proxies) keep one copy per tenant
    where the URL and host are the same for all. Resolvers that read only the
    host and path have none: those are in every cache key already.
    """
    method = getattr(resolver, "vary_headers", None)
    return tuple(method()) if callable(method) else ()


def merge_headers(*groups: Sequence[str]) -> tuple[str, ...]:
    """The header names of ``groups`` in order, each once (header names compare case-insensitively)."""
    seen: dict[str, str] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name.lower(), name)
    return tuple(seen.values())


class DuplicateResolverName(ImproperlyConfigured):
    """Two installed distributions register the same resolver name."""


@functools.cache
def discover_resolvers() -> dict[str, metadata.EntryPoint]:
    """The installed resolver plug-ins by short name; two claiming one name is an error."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        other = found.get(ep.name)
        if other is not None and other.value != ep.value:
            raise DuplicateResolverName(
                f"Resolver name {ep.name!r} is registered twice in the entry-point group "
                f"{ENTRY_POINT_GROUP!r}: by {_dist_name(other)} ({other.value}) and by "
                f"{_dist_name(ep)} ({ep.value}). Uninstall one, or set TENANT_RESOLVER "
                "to a dotted path."
            )
        found[ep.name] = ep
    return found


def _dist_name(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return str(dist.name) if dist is not None else "an unknown distribution"


def missing_resolver_message(name: str) -> str:
    """The error for a short name no installed plug-in provides, naming the extra to install."""
    extra = KNOWN_RESOLVERS.get(name)
    if extra is not None:
        return f"TENANT_RESOLVER {name!r} is provided by an extra that is not installed: {pip_install(extra)}."
    known = ", ".join(sorted(set(KNOWN_RESOLVERS) | set(discover_resolvers())))
    return f"TENANT_RESOLVER {name!r} is neither a registered resolver ({known}) nor a dotted import path."


def load_resolver(spec: Any) -> Resolver:
    """Turn a ``TENANT_RESOLVER`` value into a resolver.

    Accepted, in this order: a resolver object; a list of any of these (tried in
    order); a dotted import path (of a class, instantiated without arguments, or
    of an object); a short name registered in the ``pg_tenants.resolvers``
    entry-point group.
    """
    if spec is None or spec == "" or spec == [] or spec == ():
        raise ImproperlyConfigured(
            'TENANT_RESOLVER is not set: set it to a resolver name such as "subdomain", '
            "a dotted path, or a list of those."
        )
    if isinstance(spec, (list, tuple)):
        return ChainResolver([load_resolver(item) for item in spec])
    if isinstance(spec, str):
        if "." in spec:
            try:
                target = import_string(spec)
            except ImportError as exc:
                raise ImproperlyConfigured(f"TENANT_RESOLVER {spec!r} cannot be imported: {exc}") from exc
        else:
            ep = discover_resolvers().get(spec)
            if ep is None:
                raise ImproperlyConfigured(missing_resolver_message(spec))
            try:
                target = ep.load()
            except ImportError as exc:
                raise ImproperlyConfigured(f"TENANT_RESOLVER {spec!r} ({ep.value}) cannot be imported: {exc}") from exc
        return _instantiate(target, spec)
    return _instantiate(spec, spec)


def _instantiate(target: Any, spec: Any) -> Resolver:
    obj = target() if isinstance(target, type) else target
    if not (callable(getattr(obj, "resolve", None)) and callable(getattr(obj, "url_for", None))):
        raise ImproperlyConfigured(
            f"TENANT_RESOLVER {spec!r} is not a resolver: it needs resolve(request) and url_for(tenant, path) methods."
        )
    return obj  # type: ignore[no-any-return]


@functools.cache
def get_resolver() -> Resolver:
    """The resolver configured by ``TENANT_RESOLVER`` (loaded once, reloaded on setting change)."""
    return load_resolver(tenant_settings.TENANT_RESOLVER)


@receiver(setting_changed)
def _reset_resolver(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("TENANT_"):
        get_resolver.cache_clear()


class TenantURLNotAbsolute(NotImplementedError):
    """An absolute link to a tenant was asked for, and the configured resolver builds only site-relative ones."""


def tenant_url(tenant: TenantModel, path: str = "/", *, absolute: bool = False) -> str:
    """A URL that reaches ``tenant`` at ``path``, built by the configured resolver.

    Absolute (``https://acme.example.com/notes/``) for every resolver but one:
    the path resolver without ``TENANT_BASE_URL`` does not know the site's
    address, so it gives a site-relative link (``/t/acme/notes/``). That is
    right wherever the link is followed from the same site: pages, redirects,
    the admin's "Open site", ``TenantClient``. A link read anywhere else (an
    email, a webhook payload, a message in a chat, a management command's
    output) needs ``absolute=True``, which never returns a relative link: with
    a chain of resolvers the first absolute link wins, and when none can build
    one :class:`TenantURLNotAbsolute` is raised. Inside a request,
    ``request.build_absolute_uri(tenant_url(tenant, path))`` makes a relative
    link absolute too.
    """
    resolver = get_resolver()
    if not absolute:
        return resolver.url_for(tenant, path)
    members = resolver.resolvers if isinstance(resolver, ChainResolver) else [resolver]
    reasons: list[str] = []
    for member in members:
        try:
            url = member.url_for(tenant, path)
        except NotImplementedError as exc:
            reasons.append(str(exc))
            continue
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            return url
        reasons.append(f"{type(member).__name__} built the site-relative link {url!r}")
    raise TenantURLNotAbsolute(
        f"No absolute link to tenant {tenant.schema_name!r} can be built: {'; '.join(reasons)}. "
        'With the path resolver, set TENANT_BASE_URL to where the site is served (e.g. "https://app.example.com").'
    )
