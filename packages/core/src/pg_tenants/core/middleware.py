"""``TenantMiddleware``: find the request's tenant and make it active.

Put it first in ``MIDDLEWARE``, before sessions and authentication, which read
tenant tables.

A tenant whose schema does not exist (never created, dropped, renamed) is never
served: the request gets a 503 and an error is logged on ``pg_tenants.core``,
whether the tenant cache found out while looking the tenant up or the backend
refused the view's first query (:class:`~pg_tenants.core.exceptions.SchemaNotFound`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import get_script_prefix, set_script_prefix
from django.utils.module_loading import import_string

from .cache import TenantSchemaMissing, tenant_cache
from .conf import tenant_settings
from .context import ActiveSchema, _activate, _deactivate, aiter_in_context, iter_in_context, run_in_context
from .exceptions import SchemaNotFound
from .resolution import Resolution
from .resolvers import get_resolver

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

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        resolution = get_resolver().resolve(request)
        try:
            tenant = tenant_cache.get_for_resolution(resolution) if resolution is not None else None
        except TenantSchemaMissing as exc:
            return self._schema_missing(exc.tenant, exc.schema_name)
        if tenant is None:
            tenant = self._fallback_tenant(resolution)
            if tenant is None:
                return self._not_found_view(request, resolution)
            resolution = None
        return self._serve(request, tenant, resolution)

    async def __acall__(self, request: HttpRequest) -> Any:
        resolution = get_resolver().resolve(request)
        tenant: TenantModel | None = None
        if resolution is not None:
            try:
                tenant = await tenant_cache.aget_for_resolution(resolution)
            except TenantSchemaMissing as exc:
                return self._schema_missing(exc.tenant, exc.schema_name)
        if tenant is None:
            tenant = await sync_to_async(self._fallback_tenant)(resolution)
            if tenant is None:
                response = self._not_found_view(request, resolution)
                if hasattr(response, "__await__"):
                    response = await response
                return response
            resolution = None
        return await self._aserve(request, tenant, resolution)

    # -- serving ---------------------------------------------------------------

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

    def _serve(self, request: HttpRequest, tenant: TenantModel, resolution: Resolution | None) -> Any:
        previous_prefix = self._prepare(request, tenant, resolution)
        active = ActiveSchema.for_schema(tenant.schema_name, tenant)
        token = _activate(active)
        try:
            response = self.get_response(request)
        finally:
            _deactivate(token)
            if previous_prefix is not None:
                set_script_prefix(previous_prefix)
        return self._keep_streaming_in_tenant(response, active)

    async def _aserve(self, request: HttpRequest, tenant: TenantModel, resolution: Resolution | None) -> Any:
        previous_prefix = self._prepare(request, tenant, resolution)
        active = ActiveSchema.for_schema(tenant.schema_name, tenant)
        token = _activate(active)
        try:
            response = await self.get_response(request)
        finally:
            _deactivate(token)
            if previous_prefix is not None:
                set_script_prefix(previous_prefix)
        return self._keep_streaming_in_tenant(response, active)

    @staticmethod
    def _keep_streaming_in_tenant(response: Any, active: ActiveSchema) -> Any:
        # A streaming body is produced, and closed, after this middleware
        # returns; keep its queries and its clean-up (a generator's finally:,
        # run by response.close() when the client goes away early) in the
        # request's tenant rather than in whatever is active then.
        if isinstance(response, HttpResponseBase) and getattr(response, "streaming", False):
            closers = response._resource_closers  # type: ignore[attr-defined]
            closers[:] = [run_in_context(active, closer) for closer in closers]
            content = response._iterator  # type: ignore[attr-defined]
            if getattr(response, "is_async", False):
                response.streaming_content = aiter_in_context(active, content)  # type: ignore[attr-defined]
            else:
                response.streaming_content = iter_in_context(active, iter(content))  # type: ignore[attr-defined]
        return response

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
    def _fallback_tenant(resolution: Resolution | None) -> TenantModel | None:
        """The public tenant when ``TENANT_NOT_FOUND = "public"``, else ``None``."""
        if tenant_settings.TENANT_NOT_FOUND != "public":
            return None
        return tenant_cache.get("schema_name", tenant_settings.PUBLIC_SCHEMA_NAME)

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
