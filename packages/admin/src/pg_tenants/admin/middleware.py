"""``TenantAdminMiddleware``: the admin reads and writes the tenant chosen in the switcher.

Place it after ``SessionMiddleware``, ``AuthenticationMiddleware`` and
``MessageMiddleware``. It acts only on requests whose URL belongs to an
``AdminSite`` (any subclass, any name) served on the public tenant; everything
else passes through untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_protect

from pg_tenants.core import get_current_schema_name
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.context import ActiveSchema, activate, deactivate
from pg_tenants.core.routers import shared_app_labels, tenant_app_labels
from pg_tenants.core.streaming import keep_streaming_in_context

from .marking import mark_for, mark_forms, refuse_other_tenant
from .switching import SWITCH_FIELD, admin_site_of, can_switch, chosen_tenant, find_tenant, remember, tenant_label

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TenantAdminMiddleware:
    """Activate the admin's chosen tenant around admin views; handle switch requests.

    For an admin request on the public site: a POST to the admin index carrying
    ``_pg_tenants_switch`` is a switch (CSRF-checked, permission-checked, else
    403). Otherwise the session's choice is checked again and, when it holds,
    the rest of the request (views, template rendering) runs in the chosen
    tenant's schema, except the site's own views in :attr:`public_views`,
    which touch the operator's own rows and run in public. Every HTML page gets
    the tenant it was rendered for in its forms (:mod:`.marking`); a POST
    marked for another tenant than the current one is refused before its view
    runs. Tenant apps' models asked for without a tenant chosen redirect to the
    admin index with a message. Sync and async capable.
    """

    sync_capable = True
    async_capable = True

    #: URL names of an ``AdminSite``'s own views that read and write the operator's
    #: user and session rows: they run in public whatever tenant is chosen.
    public_views: frozenset[str] = frozenset({"login", "logout", "password_change", "password_change_done"})

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        site, url_name = self._admin_site(request)
        if site is None:
            return self.get_response(request)
        early = self._before_view(request, site, url_name)
        if early is not None:
            return early
        tenant = self._tenant_to_activate(request, url_name)
        if tenant is None:
            response = self.get_response(request)
        else:
            active = ActiveSchema.for_schema(tenant.schema_name, tenant)
            token = self._enter(active)
            try:
                response = self.get_response(request)
            finally:
                self._leave(token)
            response = keep_streaming_in_context(response, active)
        mark_forms(response, mark_for(request.admin_tenant))  # type: ignore[attr-defined]
        return response

    async def __acall__(self, request: HttpRequest) -> Any:
        site, url_name = self._admin_site(request)
        if site is None:
            return await self.get_response(request)
        # Sessions, users and tenant rows are read through the ORM: off the event loop.
        early = await sync_to_async(self._before_view)(request, site, url_name)
        if early is not None:
            return early
        tenant = self._tenant_to_activate(request, url_name)
        if tenant is None:
            response = await self.get_response(request)
        else:
            active = ActiveSchema.for_schema(tenant.schema_name, tenant)
            token = self._enter(active)
            try:
                response = await self.get_response(request)
            finally:
                self._leave(token)
            response = keep_streaming_in_context(response, active)
        mark_forms(response, mark_for(request.admin_tenant))  # type: ignore[attr-defined]
        return response

    def _before_view(self, request: HttpRequest, site: AdminSite, url_name: str | None) -> HttpResponseBase | None:
        """Everything that needs the database before the view: a switch, the choice, the form's mark."""
        request.pg_tenants_admin_site = site  # type: ignore[attr-defined]
        if url_name == "index" and request.method == "POST" and SWITCH_FIELD in request.POST:
            # The CSRF middleware's own check has not run yet at this point.
            response: HttpResponse = csrf_protect(self.switch)(request)
            return response
        tenant = chosen_tenant(request)
        request.admin_tenant = tenant  # type: ignore[attr-defined]
        if request.method not in _SAFE_METHODS and url_name not in self.public_views:
            refusal = refuse_other_tenant(request, tenant, _index_url(request, site))
            if refusal is not None:
                return refusal
        if tenant is not None and url_name not in self.public_views:
            _load_permissions(request.user)
        return None

    def _tenant_to_activate(self, request: HttpRequest, url_name: str | None) -> Any:
        if url_name in self.public_views:
            return None
        return request.admin_tenant  # type: ignore[attr-defined]

    @staticmethod
    def _enter(active: ActiveSchema) -> Any:
        token = activate(active)
        # contenttypes lives in public and in each tenant schema, and the
        # manager's cache is keyed by database alias only.
        ContentType.objects.clear_cache()
        return token

    @staticmethod
    def _leave(token: Any) -> None:
        ContentType.objects.clear_cache()
        deactivate(token)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        """Send requests for tenant apps' models made from public to the admin index, saying why."""
        if getattr(request, "admin_tenant", True) is not None:
            return None
        model_admin = getattr(view, "model_admin", None)
        if model_admin is None or not is_tenant_only(model_admin.model):
            return None
        opts = model_admin.model._meta
        messages.info(
            request,
            f"{str(opts.verbose_name_plural).capitalize()} live in each tenant's schema: choose a tenant "
            "in the header to view or change them.",
            fail_silently=True,
        )
        return HttpResponseRedirect(_index_url(request, model_admin.admin_site))

    @staticmethod
    def _admin_site(request: HttpRequest) -> tuple[AdminSite | None, str | None]:
        if get_current_schema_name() != tenant_settings.PUBLIC_SCHEMA_NAME:
            # An admin on a tenant's own host is that tenant's admin: no switching there.
            return None, None
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return None, None
        return admin_site_of(match.func), match.url_name

    def switch(self, request: HttpRequest) -> HttpResponse:
        """Handle a switch POST: choose a tenant, or go back to public (empty ``tenant``)."""
        site: AdminSite = request.pg_tenants_admin_site  # type: ignore[attr-defined]
        if not can_switch(request.user):
            raise PermissionDenied("You do not have permission to switch the admin to a tenant.")
        value = request.POST.get("tenant", "")
        if not value.strip():
            remember(request, None)
            messages.success(request, "The admin is back in public.", fail_silently=True)
        else:
            tenant = find_tenant(request.user, value)
            if tenant is None:
                messages.error(
                    request,
                    f"No tenant “{value.strip()}” that you may enter: pick one from the list.",
                    fail_silently=True,
                )
            else:
                remember(request, tenant)
                messages.success(request, f"The admin now shows tenant “{tenant_label(tenant)}”.", fail_silently=True)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = _index_url(request, site)
        return HttpResponseRedirect(target)


def _index_url(request: HttpRequest, site: AdminSite) -> str:
    return reverse("admin:index", current_app=site.name, urlconf=getattr(request, "urlconf", None))


def is_tenant_only(model: Any) -> bool:
    """Whether ``model``'s table exists only in tenant schemas (its app is in TENANT_APPS, not SHARED_APPS)."""
    label = model._meta.app_label
    return label in tenant_app_labels() and label not in shared_app_labels()


def _load_permissions(user: Any) -> None:
    # Permissions join auth_permission (public) to django_content_type, which a
    # tenant schema may hold too: read them once in public, where the rows
    # match, so ModelBackend's per-request cache answers every later check.
    if getattr(user, "is_authenticated", False) and not user.is_superuser:
        user.get_all_permissions()
