"""``{% tenant_switcher %}``: the tenant switcher shown in the admin header.

The app's ``admin/base.html`` adds it to every admin page. A project with its
own ``admin/base.html`` adds ``{% load pg_tenants_admin %}{% tenant_switcher %}``
to its ``usertools`` block.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from pg_tenants.admin.conf import admin_settings
from pg_tenants.admin.switching import SWITCH_FIELD, can_switch, tenant_label, tenants_for_user
from pg_tenants.core.resolvers import tenant_url

register = template.Library()

#: Most tenants put in the searchable list; any tenant can still be typed in full.
MAX_LISTED = 500


@register.inclusion_tag("pg_tenants_admin/switcher.html", takes_context=True)
def tenant_switcher(context: template.Context) -> dict[str, Any]:
    """The switcher's context; empty (renders nothing) for users who may not switch."""
    request = context.get("request")
    site = getattr(request, "pg_tenants_admin_site", None)
    if request is None or site is None or not can_switch(getattr(request, "user", None)):
        return {"show": False}
    current = getattr(request, "admin_tenant", None)
    tenants = list(tenants_for_user(request.user)[: MAX_LISTED + 1])
    searchable = len(tenants) > admin_settings.TENANT_ADMIN_SEARCH_THRESHOLD
    try:
        switch_url = reverse("admin:index", current_app=site.name)
    except NoReverseMatch:
        return {"show": False}
    return {
        "show": True,
        "current": current,
        "current_label": tenant_label(current) if current is not None else "public",
        "site_link": _site_link(current),
        "choices": [(t.schema_name, tenant_label(t)) for t in tenants[:MAX_LISTED]],
        "current_schema": current.schema_name if current is not None else "",
        "searchable": searchable,
        "switch_url": switch_url,
        "switch_field": SWITCH_FIELD,
        "next": _next_url(request),
    }


def _site_link(tenant: Any) -> str:
    if tenant is None:
        return ""
    try:
        return tenant_url(tenant, "/")
    except NotImplementedError:
        # Some resolvers (the header one) have no URL that reaches a tenant.
        return ""


def _next_url(request: Any) -> str:
    # Lists and indexes make sense in any tenant; an object's page may not exist in the next one.
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "url_name", "") or ""
    if name in {"index", "app_list"} or name.endswith("_changelist"):
        return str(request.get_full_path())
    return ""
