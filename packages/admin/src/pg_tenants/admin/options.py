"""``TenantAdmin``, ``DomainAdmin`` and ``DomainInline`` for the public admin site.

Register them for your own models on your own site when you do not use
Django's default one:

    site.register(get_tenant_model(), TenantAdmin)
    site.register(get_domain_model(), DomainAdmin)
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.models import TenantModel
from pg_tenants.core.registry import get_domain_model
from pg_tenants.core.resolvers import tenant_url
from pg_tenants.core.schema import schema_exists

from .renaming import RenameSchemaForm


class OnePrimaryDomainFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """A tenant's domains: when there are any, exactly one is primary."""

    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        primaries = sum(1 for f in kept if f.cleaned_data.get("is_primary"))
        if kept and primaries != 1:
            raise ValidationError(
                f"A tenant needs exactly one primary domain; {primaries} are marked primary: "
                "tick “is primary” on one domain only."
            )


class DomainInline(admin.TabularInline):  # type: ignore[type-arg]
    """The tenant's domains, edited on the tenant's page."""

    formset = OnePrimaryDomainFormSet
    extra = 0
    fields = ("domain", "is_primary")


@functools.cache
def domain_inline() -> type[DomainInline]:
    """``DomainInline`` bound to ``TENANT_DOMAIN_MODEL`` (the admin's checks read ``model`` on the class)."""
    return type("DomainInline", (DomainInline,), {"model": get_domain_model(), "__module__": __name__})


class TenantForm(forms.ModelForm):  # type: ignore[type-arg]
    """Refuses, before anything is written, a new tenant whose schema already exists."""

    def clean_schema_name(self) -> str:
        name: str = self.cleaned_data["schema_name"]
        if self.instance._state.adding and name and schema_exists(name):
            raise ValidationError(
                f"A schema named “{name}” already exists in the database: choose another schema "
                "name, or drop that schema first if it is left over."
            )
        return name


class TenantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Tenants: list, search, filter, create (provisions the schema), rename, deactivate, delete."""

    form = TenantForm
    list_filter = ("tenant_type", "is_active", "created_on")
    search_fields = ("schema_name", "slug", "domains__domain")
    ordering = ("schema_name",)
    actions = ["deactivate", "activate"]
    change_form_template = "pg_tenants_admin/tenant_change_form.html"
    delete_confirmation_template = "pg_tenants_admin/tenant_delete_confirmation.html"
    delete_selected_confirmation_template = "pg_tenants_admin/tenant_delete_selected_confirmation.html"

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        """The domains inline, bound to ``TENANT_DOMAIN_MODEL`` when one is set."""
        inlines = list(super().get_inlines(request, obj))
        if tenant_settings.TENANT_DOMAIN_MODEL and not inlines:
            inlines.append(domain_inline())
        return inlines

    # -- lists ---------------------------------------------------------------

    def _has_name(self) -> bool:
        return any(f.name == "name" for f in self.model._meta.get_fields())

    def get_list_display(self, request: HttpRequest) -> Any:
        extra = ("name",) if self._has_name() else ()
        return ("schema_name", *extra, "slug", "tenant_type", "is_active", "primary_domain", "created_on", "site")

    def get_search_fields(self, request: HttpRequest) -> Any:
        return (*self.search_fields, "name") if self._has_name() else self.search_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description="primary domain")
    def primary_domain(self, obj: TenantModel) -> str:
        """The primary domain, from the prefetched domains."""
        return next((d.domain for d in obj.domains.all() if d.is_primary), "")  # type: ignore[attr-defined]

    @admin.display(description="site")
    def site(self, obj: TenantModel) -> str:
        """A link to the tenant's own site, built by the resolver."""
        try:
            url = tenant_url(obj, "/")
        except NotImplementedError:
            return ""
        return format_html('<a href="{}" target="_blank" rel="noopener">open ↗</a>', url)

    # -- the form ------------------------------------------------------------

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # schema_name changes only through the rename page, which moves the schema too.
        return ("schema_name", "created_on") if obj is not None else ("created_on",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        started = time.monotonic()
        super().save_model(request, obj, form, change)
        if obj.auto_create_schema:
            self.message_user(
                request,
                f"Schema “{obj.schema_name}” was created and migrated in {time.monotonic() - started:.1f} s.",
                messages.SUCCESS,
            )

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DatabaseError as exc:
            if object_id is not None or request.method != "POST":
                raise
            # Provisioning failed: the transaction rolled back, so neither the row
            # nor the schema exists. Bring the user back to a filled-in form.
            self.message_user(
                request,
                f"Creating the tenant failed while provisioning its schema, and nothing was saved: {exc}".strip(),
                messages.ERROR,
            )
            keep = {k: request.POST[k] for k in ("schema_name", "slug", "tenant_type", "name") if request.POST.get(k)}
            return HttpResponseRedirect(request.path + ("?" + urlencode(keep) if keep else ""))

    # -- deleting ------------------------------------------------------------

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.schema_name == tenant_settings.PUBLIC_SCHEMA_NAME:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # Model.delete() guards the public tenant; a queryset delete would not.
        for obj in queryset.exclude(schema_name=tenant_settings.PUBLIC_SCHEMA_NAME):
            obj.delete()

    def render_delete_form(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        context["drops_schema"] = self.model.auto_drop_schema
        context["schema_names"] = [context["object"].schema_name]
        return super().render_delete_form(request, context)

    @admin.action(description="Deactivate selected tenants (they stop being served)", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Mark tenants inactive; their schemas and data stay."""
        count = 0
        for obj in queryset.filter(is_active=True).exclude(schema_name=tenant_settings.PUBLIC_SCHEMA_NAME):
            obj.is_active = False
            obj.save(update_fields=["is_active"])
            count += 1
        self.message_user(request, f"{count} tenant(s) deactivated; their data is kept.", messages.SUCCESS)

    @admin.action(description="Activate selected tenants", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Mark tenants active again."""
        count = 0
        for obj in queryset.filter(is_active=False):
            obj.is_active = True
            obj.save(update_fields=["is_active"])
            count += 1
        self.message_user(request, f"{count} tenant(s) activated.", messages.SUCCESS)

    def get_actions(self, request: HttpRequest, action_location: Any = None) -> Any:
        # Django 6.1 passes action_location (and warns if the parameter is missing); 5.2 does not.
        if action_location is None:
            actions = super().get_actions(request)
        else:
            actions = super().get_actions(request, action_location=action_location)  # type: ignore[call-arg]
        if "delete_selected" in actions:
            action: Any = actions["delete_selected"]
            verb = "drop their schemas" if self.model.auto_drop_schema else "keep their schemas"
            description = f"Delete selected tenants ({verb})"
            if hasattr(action, "func"):  # Django 6.1+: an Action dataclass
                actions["delete_selected"] = dataclasses.replace(
                    action, func=_with_schema_notice(action.func), description=description
                )
            else:  # Django 5.2: a (func, name, description) tuple
                func, name, _ = action
                actions["delete_selected"] = (_with_schema_notice(func), name, description)
        return actions

    # -- renaming ------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        info = self.opts.app_label, self.opts.model_name
        rename = path(
            "<path:object_id>/rename/",
            self.admin_site.admin_view(self.rename_view),
            name="{}_{}_rename".format(*info),
        )
        return [rename, *super().get_urls()]

    def rename_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Rename a tenant's schema: ``ALTER SCHEMA … RENAME`` and the row, in one transaction."""
        obj = self.get_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined,no-any-return]
        if not self.has_change_permission(request, obj) or obj.schema_name == tenant_settings.PUBLIC_SCHEMA_NAME:
            raise PermissionDenied("You may not rename this tenant's schema.")
        form = RenameSchemaForm(request.POST or None, tenant=obj)
        if request.method == "POST" and form.is_valid():
            old = obj.schema_name
            obj.rename_schema(form.cleaned_data["schema_name"])
            self.log_change(request, obj, [{"changed": {"fields": ["schema_name"]}}])
            self.message_user(request, f"Schema “{old}” was renamed to “{obj.schema_name}”.", messages.SUCCESS)
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(
                reverse("admin:{}_{}_change".format(*info), args=[obj.pk], current_app=self.admin_site.name)
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Rename the schema of {obj}",
            "opts": self.opts,
            "original": obj,
            "form": form,
        }
        return TemplateResponse(request, "pg_tenants_admin/tenant_rename.html", context)


class DomainAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Domains: list, search by domain or tenant, filter by primary."""

    list_display = ("domain", "tenant", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("domain", "tenant__schema_name", "tenant__slug")
    autocomplete_fields = ()
    list_select_related = ("tenant",)


def _with_schema_notice(action: Callable[..., Any]) -> Callable[..., Any]:
    """Django's ``delete_selected``, whose confirmation page also says what happens to the schemas."""

    def delete_selected(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        response = action(modeladmin, request, queryset)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            response.context_data["drops_schema"] = modeladmin.model.auto_drop_schema
            response.context_data["schema_names"] = [obj.schema_name for obj in queryset]
        return response

    delete_selected.allowed_permissions = ("delete",)  # type: ignore[attr-defined]
    delete_selected.short_description = getattr(action, "short_description", "")  # type: ignore[attr-defined]
    return delete_selected
