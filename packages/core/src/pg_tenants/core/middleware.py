"""``TenantMiddleware``: find the request's tenant and make it active.

Put it first in ``MIDDLEWARE``, before sessions and authentication, which read
tenant tables.

A tenant whose schema does not exist (never created, dropped, renamed) is never
served: the request gets a 503 and an error is logged on ``pg_tenants.core``,
whether the tenant cache found out while looking the tenant up or the backend
refused the view's first query (:class:`~pg_tenants.core.exceptions.SchemaNotFound`).

When the resolver chooses the tenant by a request header (the header
resolver's ``X-Tenant``), every response names that header in ``Vary``, so
caches keep one copy of a page per tenant (see
:func:`pg_tenants.core.resolvers.vary_headers`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_script_prefix, set_script_prefix
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from .cache import TenantSchemaMissing, tenant_cache
from .conf import tenant_settings
from .context import ActiveSchema, activate, deactivate
from .exceptions import SchemaNotFound
from .resolution import Resolution, Resolver
from .resolvers import get_resolver, vary_headers
from .streaming import keep_streaming_in_context

if TYPE_CHECKING:
    from .models import TenantModel

logger = logging.getLogger("pg_tenants.core")


class TenantNotFound(Http404):
    """No tenant matches the request."""


class TenantMiddleware:
    """Resolve the tenant with ``TENANT_RESOLVER``, activate it, set ``request.tenant``.

    Sync and async capable. ``request.urlconf`` is set from the resolution, the
    tenant's type (``TENANT_URLCONFS``) or ``PUBLIC_SCHEMA_URLCONF``. A tenant
    whose schema is missing gets a 503 (see the module's docstring).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    # The two paths differ only where the async one must not block the event
    # loop: the cache look-ups (aget answers from memory without a thread hop)
    # and an async not-found view.

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        resolver = get_resolver()
        try:
            response = self._respond(request, resolver)
        except TenantNotFound as exc:
            # Made into a response here rather than by Django around this
            # middleware, so that it carries the Vary header too.
            response = response_for_exception(request, exc)
        return self._vary(response, resolver)

    def _respond(self, request: HttpRequest, resolver: Resolver) -> Any:
        resolution = resolver.resolve(request)
        try:
            tenant = tenant_cache.get_for_resolution(resolution) if resolution is not None else None
        except TenantSchemaMissing as exc:
            return self._schema_missing(exc.tenant, exc.schema_name)
        if tenant is None:
            fallback = self._fallback_lookup()
            tenant = tenant_cache.get(*fallback) if fallback is not None else None
            if tenant is None:
                return self._not_found_view(request, resolution)
            resolution = None
        with self._serving(request, tenant, resolution) as active:
            response = self.get_response(request)
        return keep_streaming_in_context(response, active)

    async def __acall__(self, request: HttpRequest) -> Any:
        resolver = get_resolver()
        try:
            response = await self._arespond(request, resolver)
        except TenantNotFound as exc:
            response = await sync_to_async(response_for_exception, thread_sensitive=False)(request, exc)
        return self._vary(response, resolver)

    async def _arespond(self, request: HttpRequest, resolver: Resolver) -> Any:
        resolution = resolver.resolve(request)
        try:
            tenant = await tenant_cache.aget_for_resolution(resolution) if resolution is not None else None
        except TenantSchemaMissing as exc:
            return self._schema_missing(exc.tenant, exc.schema_name)
        if tenant is None:
            fallback = self._fallback_lookup()
            tenant = await tenant_cache.aget(*fallback) if fallback is not None else None
            if tenant is None:
                response = self._not_found_view(request, resolution)
                if hasattr(response, "__await__"):
                    response = await response
                return response
            resolution = None
        with self._serving(request, tenant, resolution) as active:
            response = await self.get_response(request)
        return keep_streaming_in_context(response, active)

    @staticmethod
    def _vary(response: Any, resolver: Resolver) -> Any:
        """``response`` with the request headers the resolver reads added to its ``Vary``.

        Every response, the public tenant's and unknown tenants' included:
        Django's cache middleware keys a URL's pages by the headers named in
        the ``Vary`` of the last response it stored for that URL, so a single
        response without the header (public's, say) would key the next page
        stored there by URL alone and serve it to every tenant.
        """
        headers = vary_headers(resolver)
        if headers:
            patch_vary_headers(response, headers)
        return response

    # -- serving ---------------------------------------------------------------

    @contextmanager
    def _serving(
        self, request: HttpRequest, tenant: TenantModel, resolution: Resolution | None
    ) -> Iterator[ActiveSchema]:
        """Set the request's attributes and activate ``tenant`` for the block; undo both after it."""
        previous_prefix = self._prepare(request, tenant, resolution)
        active = ActiveSchema.for_schema(tenant.schema_name, tenant)
        token = activate(active)
        try:
            yield active
        finally:
            deactivate(token)
            if previous_prefix is not None:
                set_script_prefix(previous_prefix)

    def _prepare(self, request: HttpRequest, tenant: TenantModel, resolution: Resolution | None) -> str | None:
        """Set request attributes; return the script prefix to restore, if changed."""
        request.tenant = tenant  # type: ignore[attr-defined]
        urlconf = self._urlconf_for(tenant, resolution)
        if urlconf is not None:
            request.urlconf = urlconf
        if resolution is None or resolution.script_name is None:
            return None
        script_name = resolution.script_name.rstrip("/")
        path_info = resolution.path_info or "/"
        request.META["SCRIPT_NAME"] = script_name
        request.path_info = path_info
        request.path = script_name + path_info
        previous = get_script_prefix()
        set_script_prefix(script_name + "/")
        return previous

    # -- missing schemas ---------------------------------------------------------

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view stopped by the backend because the tenant's schema is missing gets the 503."""
        if not isinstance(exception, SchemaNotFound):
            return None
        tenant = getattr(request, "tenant", None)
        tenant_cache.forget_schema(exception.schema_name)
        return self._schema_missing(tenant, exception.schema_name)

    @staticmethod
    def _schema_missing(tenant: TenantModel | None, schema_name: str) -> HttpResponse:
        logger.error(
            "Tenant %r not served (503): its schema %r does not exist. Create it (create_tenant) "
            "or deactivate the tenant.",
            str(tenant) if tenant is not None else schema_name,
            schema_name,
        )
        return HttpResponse(
            "This site is temporarily unavailable.", status=503, content_type="text/plain; charset=utf-8"
        )

    @staticmethod
    def _urlconf_for(tenant: TenantModel, resolution: Resolution | None) -> str | None:
        if resolution is not None and resolution.urlconf:
            return resolution.urlconf
        if tenant.is_public:
            return tenant_settings.PUBLIC_SCHEMA_URLCONF
        tenant_type = getattr(tenant, "tenant_type", "")
        if tenant_type:
            return tenant_settings.TENANT_URLCONFS.get(tenant_type)
        return None

    # -- unknown tenants ---------------------------------------------------------

    @staticmethod
    def _fallback_lookup() -> tuple[str, str] | None:
        """The look-up of the public tenant when ``TENANT_NOT_FOUND = "public"``, else ``None``."""
        if tenant_settings.TENANT_NOT_FOUND != "public":
            return None
        return "schema_name", tenant_settings.PUBLIC_SCHEMA_NAME

    @staticmethod
    def _not_found_view(request: HttpRequest, resolution: Resolution | None) -> Any:
        """The configured not-found view's response, or a 404 (raised as :class:`TenantNotFound`)."""
        action = tenant_settings.TENANT_NOT_FOUND
        if action not in {"404", "public", ""}:
            view = import_string(action)
            return view(request)
        if resolution is None:
            raise TenantNotFound("No tenant matches this request.")
        raise TenantNotFound(f"No tenant matches {resolution.lookup} {resolution.value!r}.")
