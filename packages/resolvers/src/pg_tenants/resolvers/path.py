"""``PathResolver``: ``/t/acme/notes/`` is tenant ``acme``, and its views see ``/notes/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.checks import CheckMessage

from pg_tenants.core.resolution import Resolution

from .base import NO_TENANT, base_url, is_slug, join_path
from .checks import check_base_url, check_path_prefix
from .conf import resolver_settings

if TYPE_CHECKING:
    from django.http import HttpRequest

    from pg_tenants.core.models import TenantModel


def path_prefix() -> str:
    """``TENANT_PATH_PREFIX`` as ``"/t/"`` (``"/"`` when empty: the slug is the first segment)."""
    prefix = resolver_settings.TENANT_PATH_PREFIX.strip("/")
    return f"/{prefix}/" if prefix else "/"


def mount_point(request: HttpRequest) -> str:
    """The part of ``request.path`` before ``path_info`` (``SCRIPT_NAME`` / ``FORCE_SCRIPT_NAME``)."""
    path, info = request.path, request.path_info
    if info and path.endswith(info):
        return path[: len(path) - len(info)].rstrip("/")
    return ""


class PathResolver:
    """The first path segment after ``TENANT_PATH_PREFIX`` is the tenant's slug.

    The prefix and slug move into ``SCRIPT_NAME`` (the core middleware applies
    the :class:`~pg_tenants.core.resolvers.Resolution`), so ``reverse()``,
    ``redirect()``, ``{% url %}`` and ``request.build_absolute_uri()`` keep
    them. Paths outside the prefix reach the public tenant
    (``TENANT_PATH_PUBLIC = False`` leaves them to the next resolver in a
    chain). A path under the prefix that names no possible slug (``/t//``,
    ``/t/../admin/``) is an unknown tenant: 404.
    """

    def resolve(self, request: HttpRequest) -> Resolution | None:
        """The slug after the prefix, with the path rewrite; public or ``None`` outside it."""
        prefix = path_prefix()
        path_info = request.path_info
        if path_info.startswith(prefix):
            slug, _, rest = path_info[len(prefix) :].partition("/")
            if slug or prefix != "/":
                if not is_slug(slug):
                    return NO_TENANT
                script_name = mount_point(request) + prefix + slug
                return Resolution("slug", slug, script_name=script_name, path_info="/" + rest)
        elif path_info == prefix.rstrip("/"):
            return NO_TENANT  # "/t": under the prefix, but no slug
        return Resolution.public() if resolver_settings.TENANT_PATH_PUBLIC else None

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        """``TENANT_BASE_URL`` + ``/<prefix>/<slug>`` + ``path``; no prefix for the public tenant.

        Without ``TENANT_BASE_URL`` the link is site-relative:
        ``/t/acme/notes/`` (after ``FORCE_SCRIPT_NAME`` when it is set), ``/notes/``
        for the public tenant. Every tenant shares the site's origin, so such a
        link is right in pages, redirects, the admin's "Open site" and
        ``TenantClient``; links read outside the site (emails, webhooks) need
        an absolute URL: ``tenant_url(tenant, path, absolute=True)`` raises
        rather than return a relative one, and check
        ``pg_tenants_resolvers.W001`` asks for ``TENANT_BASE_URL``.
        """
        prefix = "" if tenant.is_public else path_prefix() + tenant.slug
        if resolver_settings.TENANT_BASE_URL:
            return base_url(path, prefix=prefix, resolver="path")
        mount = (getattr(settings, "FORCE_SCRIPT_NAME", None) or "").rstrip("/")
        return mount + prefix + join_path(path)

    def check(self) -> list[CheckMessage]:
        """E009, E005, W001: the prefix and the base URL."""
        return check_path_prefix() + check_base_url("path")
