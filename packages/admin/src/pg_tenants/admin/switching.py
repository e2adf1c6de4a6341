"""Who may switch the admin to which tenant, and the session value that remembers the choice.

The choice is never trusted from the session alone: :func:`chosen_tenant`
checks it again on every admin request (the tenant still exists and is
active, the user may still switch, and may enter that tenant).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin import AdminSite, ModelAdmin
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from pg_tenants.core import get_tenant_model
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.validation import is_valid_schema_name, is_valid_slug

from .conf import admin_settings
from .models import SWITCH_PERMISSION

if TYPE_CHECKING:
    from django.http import HttpRequest

    from pg_tenants.core.models import TenantModel

#: Session key holding the chosen tenant's primary key (as a string).
SESSION_KEY = "_pg_tenants_admin_tenant"
#: Name of the form field that marks a POST to the admin index as a switch.
SWITCH_FIELD = "_pg_tenants_switch"


def can_switch(user: Any) -> bool:
    """Whether ``user`` may use the switcher: active staff with ``switch_tenant`` (superusers implicitly)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or user.has_perm(SWITCH_PERMISSION))


def tenants_for_user(user: Any) -> QuerySet[TenantModel]:
    """The tenants ``user`` may enter: active ones other than public, narrowed by ``TENANT_ADMIN_TENANTS_FOR_USER``."""
    queryset: QuerySet[TenantModel] = (
        get_tenant_model()
        ._default_manager.filter(is_active=True)
        .exclude(schema_name=tenant_settings.PUBLIC_SCHEMA_NAME)
        .order_by("schema_name")
    )
    path = admin_settings.TENANT_ADMIN_TENANTS_FOR_USER
    if path:
        narrow = import_string(path)
        queryset = narrow(user, queryset)
    return queryset


def find_tenant(user: Any, value: str) -> TenantModel | None:
    """The tenant ``user`` may enter whose schema name or slug is ``value``."""
    value = value.strip()
    # Only a possible schema name or slug reaches the database (a NUL byte, for
    # one, would make PostgreSQL refuse the query).
    if not (is_valid_schema_name(value, allow_public=True) or is_valid_slug(value)):
        return None
    return tenants_for_user(user).filter(Q(schema_name=value) | Q(slug=value)).first()


def tenant_label(tenant: TenantModel) -> str:
    """How the switcher names a tenant: ``"Acme (acme)"`` when it has a ``name``, else its schema name."""
    name = getattr(tenant, "name", "")
    if name and name != tenant.schema_name:
        return f"{name} ({tenant.schema_name})"
    return str(tenant.schema_name)


def remember(request: HttpRequest, tenant: TenantModel | None) -> None:
    """Store the admin's tenant in the session (``None``: back to public)."""
    if tenant is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = str(tenant.pk)


def chosen_tenant(request: HttpRequest) -> TenantModel | None:
    """The tenant the session chose for the admin, re-checked now; ``None`` for public.

    A choice that no longer holds (tenant deleted or deactivated, permission
    revoked, a value that names no tenant the user may enter) is removed from
    the session, with a message saying the admin is back in public.
    """
    session = getattr(request, "session", None)
    if session is None:
        return None
    raw = session.get(SESSION_KEY)
    if raw is None:
        return None
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        session.pop(SESSION_KEY, None)
        return None
    if not can_switch(user):
        _forget(request, "You may no longer switch the admin to a tenant")
        return None
    tenant = None
    try:
        pk = get_tenant_model()._meta.pk.to_python(raw)
    except (ValidationError, TypeError, ValueError):
        pk = None
    if pk is not None:
        tenant = tenants_for_user(user).filter(pk=pk).first()
    if tenant is None:
        _forget(request, "The tenant chosen for the admin no longer exists, is inactive or is closed to you")
        return None
    return tenant


def _forget(request: HttpRequest, reason: str) -> None:
    request.session.pop(SESSION_KEY, None)
    messages.warning(request, f"{reason}: the admin is back in public.", fail_silently=True)


def admin_site_of(view: Any) -> AdminSite | None:
    """The :class:`~django.contrib.admin.AdminSite` a URL's view belongs to, or ``None``.

    Works for any ``AdminSite`` (subclasses and custom names included): its
    views are wrapped with an ``admin_site`` attribute, model admin views with
    ``model_admin``, and ``login`` is a bound method of the site.
    """
    site = getattr(view, "admin_site", None)
    if isinstance(site, AdminSite):
        return site
    model_admin = getattr(view, "model_admin", None)
    if isinstance(model_admin, ModelAdmin):
        return model_admin.admin_site
    owner = getattr(view, "__self__", None)
    if isinstance(owner, AdminSite):
        return owner
    if isinstance(owner, ModelAdmin):
        return owner.admin_site
    return None
