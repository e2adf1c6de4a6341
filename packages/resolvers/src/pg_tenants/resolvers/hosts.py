"""``HostsResolver``: django-hosts host patterns, a named group of which is the tenant.

django-hosts is optional: ``pip install "django-pg-tenants[hosts]"``. It is
imported when first used, so a project without it gets a system check error
naming the extra instead of an import error.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch

from pg_tenants.core.check_helpers import middleware_order
from pg_tenants.core.distribution import pip_install
from pg_tenants.core.resolution import Resolution

from .base import NO_TENANT, TenantURLUnavailable, host_url, is_slug, request_hostname
from .checks import PREFIX, check_types, check_url_options
from .conf import resolver_settings

if TYPE_CHECKING:
    from django.http import HttpRequest

    from pg_tenants.core.models import TenantModel

DJANGO_HOSTS_MIDDLEWARE = (
    "django_hosts.middleware.HostsRequestMiddleware",
    "django_hosts.middleware.HostsResponseMiddleware",
)


def host_patterns() -> list[Any]:
    """django-hosts' ``host_patterns`` from ``ROOT_HOSTCONF`` (cached by django-hosts)."""
    from django_hosts.resolvers import get_host_patterns  # type: ignore[import-untyped, import-not-found, unused-ignore]

    if not getattr(settings, "ROOT_HOSTCONF", None):
        raise ImproperlyConfigured("ROOT_HOSTCONF is not set.")
    return list(get_host_patterns())


def _groups(pattern: Any) -> set[str]:
    return set(pattern.compiled_regex.groupindex)


def tenant_host(group: str) -> Any:
    """The host pattern ``url_for`` reverses for tenants."""
    name = resolver_settings.TENANT_HOSTS_TENANT_HOST
    for pattern in host_patterns():
        if (name is None or pattern.name == name) and group in _groups(pattern):
            return pattern
    raise TenantURLUnavailable(
        f"No django-hosts host pattern{f' named {name!r}' if name else ''} has the named group "
        f"(?P<{group}>...): add one, or set TENANT_HOSTS_GROUP to the group that holds the tenant."
    )


class HostsResolver:
    """django-hosts host patterns choose the tenant and the urlconf.

    The first pattern (in ``host_patterns`` order) that matches the whole
    normalised host wins. When it has the named group ``TENANT_HOSTS_GROUP``
    (default ``tenant``, e.g. ``host(r"(?P<tenant>[\\w-]+)", "project.urls_tenant",
    name="tenant")``), the group is the tenant's slug; otherwise the pattern
    serves the public tenant. Either way its urlconf is used. A host no
    pattern matches has no tenant (404, or the next resolver in a chain).
    Unlike django-hosts' own middleware, the match is anchored at both ends:
    ``acme.example.com.evil.test`` is not ``acme``.
    """

    def resolve(self, request: HttpRequest) -> Resolution | None:
        """The matching host pattern's tenant and urlconf, or ``None``."""
        host = request_hostname(request)
        if host is None:
            return None
        group = resolver_settings.TENANT_HOSTS_GROUP
        for pattern in host_patterns():
            match = pattern.compiled_regex.fullmatch(host)
            if match is None:
                continue
            if group not in match.re.groupindex:
                return Resolution.public(urlconf=pattern.urlconf)
            slug = match.group(group)
            if not slug or not is_slug(slug):
                return NO_TENANT
            return Resolution("slug", slug, urlconf=pattern.urlconf)
        return None

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        """The tenant's host reversed by django-hosts (``TENANT_HOSTS_PUBLIC_HOST`` for public)."""
        from django_hosts.resolvers import get_host, reverse_host  # type: ignore[import-untyped, import-not-found, unused-ignore]

        group = resolver_settings.TENANT_HOSTS_GROUP
        try:
            if tenant.is_public:
                name = resolver_settings.TENANT_HOSTS_PUBLIC_HOST
                if name is None:
                    raise TenantURLUnavailable(
                        "The hosts resolver links to the public tenant through DEFAULT_HOST or "
                        "TENANT_HOSTS_PUBLIC_HOST: set one to the name of its host pattern."
                    )
                pattern = get_host(name)
                hostname = reverse_host(pattern)
            else:
                pattern = tenant_host(group)
                hostname = reverse_host(pattern, kwargs={group: tenant.slug})
        except NoReverseMatch as exc:
            raise TenantURLUnavailable(f"The hosts resolver cannot link to tenant {tenant.slug!r}: {exc}") from exc
        scheme = str(pattern.scheme).removesuffix("//").removesuffix(":") or None
        port = str(pattern.port).lstrip(":") or None
        return host_url(hostname, path, scheme=scheme, port=port)

    def check(self) -> list[CheckMessage]:
        """E011-E014, W003, W004: django-hosts installed and configured for tenants."""
        if find_spec("django_hosts") is None:
            return [
                Error(
                    'TENANT_RESOLVER uses the "hosts" resolver, but django-hosts is not installed.',
                    hint=pip_install("hosts"),
                    id=f"{PREFIX}.E011",
                )
            ]
        try:
            patterns = host_patterns()
        except (ImproperlyConfigured, ImportError) as exc:
            return [
                Error(
                    f"The hosts resolver cannot load django-hosts' host patterns: {exc}",
                    hint='Set ROOT_HOSTCONF to a module defining host_patterns, e.g. "project.hosts".',
                    id=f"{PREFIX}.E012",
                )
            ]
        errors = check_types("TENANT_HOSTS_GROUP", "TENANT_HOSTS_TENANT_HOST", "TENANT_HOSTS_PUBLIC_HOST")
        if errors:
            return errors
        group = resolver_settings.TENANT_HOSTS_GROUP
        try:
            tenant_host(group)
        except TenantURLUnavailable as exc:
            errors.append(Error(str(exc), id=f"{PREFIX}.E013"))
        public = resolver_settings.TENANT_HOSTS_PUBLIC_HOST
        if public is None or public not in {p.name for p in patterns}:
            errors.append(
                Warning(
                    f"The hosts resolver cannot link to the public tenant: no host pattern is named {public!r}.",
                    hint="Set DEFAULT_HOST (or TENANT_HOSTS_PUBLIC_HOST) to the name of the public host pattern.",
                    id=f"{PREFIX}.W003",
                )
            )
        in_use = [m for m in DJANGO_HOSTS_MIDDLEWARE if middleware_order(m) is not None]
        if in_use:
            errors.append(
                Warning(
                    f"{', '.join(in_use)} is in MIDDLEWARE: it would override the urlconf TenantMiddleware "
                    "chose, with looser host matching.",
                    hint="Remove django-hosts' middleware; the hosts resolver picks the urlconf per host.",
                    id=f"{PREFIX}.W004",
                )
            )
        return errors + check_url_options()
