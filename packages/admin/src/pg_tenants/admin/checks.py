"""System checks of django-pg-tenants-admin (ids ``pg_tenants_admin.E00x`` / ``W00x``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from pg_tenants.core.check_helpers import dotted_path_problem, middleware_order, setting_type_errors
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.routers import app_labels

from .conf import admin_settings
from .history import ADMIN_LABEL, user_app_label

MIDDLEWARE_PATH = "pg_tenants.admin.middleware.TenantAdminMiddleware"
#: Middleware the switcher needs to run before it: it reads the session, the user and messages.
NEEDED_BEFORE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


@register(Tags.admin)
def check_admin_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E003, E004: the admin's own settings."""
    errors = setting_type_errors(admin_settings, "pg_tenants_admin.E004")
    path = admin_settings.TENANT_ADMIN_TENANTS_FOR_USER
    problem = dotted_path_problem(path) if isinstance(path, str) else None
    if problem is not None:
        errors.append(
            Error(
                f"TENANT_ADMIN_TENANTS_FOR_USER {path!r} cannot be used: {problem}.",
                hint="Set it to the dotted path of a function f(user, queryset) -> queryset, or remove it.",
                id="pg_tenants_admin.E003",
            )
        )
    return errors


@register(Tags.admin, Tags.security)
def check_admin_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W001, E002: the switcher's middleware in place, after what it reads."""
    misplaced = middleware_order(MIDDLEWARE_PATH, must_follow=NEEDED_BEFORE)
    if misplaced is None:
        return [
            Warning(
                "TenantAdminMiddleware is not in MIDDLEWARE: the admin has no tenant switcher.",
                hint=f'Add "{MIDDLEWARE_PATH}" to MIDDLEWARE after AuthenticationMiddleware and MessageMiddleware.',
                id="pg_tenants_admin.W001",
            )
        ]
    return [
        Error(
            f"TenantAdminMiddleware comes before {needed.rpartition('.')[2]} in MIDDLEWARE; "
            "it needs the session, the user and messages.",
            hint=f'Move "{MIDDLEWARE_PATH}" after "{needed}".',
            id="pg_tenants_admin.E002",
        )
        for needed in misplaced
    ]


@register(Tags.admin)
def check_admin(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E001, W002, W003, W004: where the admin app and Django's admin are installed and migrated."""
    errors: list[CheckMessage] = []
    shared = app_labels(tenant_settings.SHARED_APPS)
    if "pg_tenants_admin" not in shared:
        errors.append(
            Error(
                "pg_tenants.admin is not in SHARED_APPS: the switch_tenant permission would have no rows in public.",
                hint='Add "pg_tenants.admin" to SHARED_APPS.',
                id="pg_tenants_admin.E001",
            )
        )
    installed = list(settings.INSTALLED_APPS)
    ours = _position(installed, "pg_tenants.admin")
    django_admin = _position(installed, "django.contrib.admin")
    if ours is not None and django_admin is not None and ours > django_admin:
        errors.append(
            Warning(
                "pg_tenants.admin comes after django.contrib.admin in INSTALLED_APPS, so its admin/base.html "
                "(which puts the switcher in the header) is never used.",
                hint='Move "pg_tenants.admin" before "django.contrib.admin", or add '
                "{% load pg_tenants_admin %}{% tenant_switcher %} to your own admin/base.html.",
                id="pg_tenants_admin.W002",
            )
        )
    errors.extend(_history_messages(shared, app_labels(tenant_settings.TENANT_APPS)))
    return errors


def _history_messages(shared: frozenset[str], tenant: frozenset[str]) -> list[CheckMessage]:
    """W003, W004: whether each tenant schema keeps its own admin history, naming the right users."""
    if ADMIN_LABEL not in shared | tenant:
        return []
    users_per_tenant = user_app_label() in tenant
    switcher = middleware_order(MIDDLEWARE_PATH) is not None
    if ADMIN_LABEL not in tenant:
        if not tenant - shared:
            return []  # no tenant-only apps: no tenant objects to keep a history of
        hint = 'Add "django.contrib.admin" to TENANT_APPS too: each tenant schema then keeps its own history.'
        if users_per_tenant:
            hint += (
                " With the tenant switcher, also set TENANT_ADMIN_LOG_PUBLIC_USERS = True, so that history names "
                "the operators (public's users) rather than the tenant's users."
            )
        return [
            Warning(
                "django.contrib.admin is not in TENANT_APPS: changes to tenant objects are logged in public's "
                "django_admin_log, so a tenant's \"Recent actions\" and History pages show other tenants' entries "
                "(object ids repeat across tenants).",
                hint=hint,
                id="pg_tenants_admin.W003",
            )
        ]
    if users_per_tenant and switcher and not admin_settings.TENANT_ADMIN_LOG_PUBLIC_USERS:
        return [
            Warning(
                "django.contrib.admin and the user model's app are both in TENANT_APPS, so each tenant schema's "
                "django_admin_log names the tenant's own users, but the operators who change tenant objects "
                "through the tenant switcher are public's users: saving fails at commit (foreign key violation), "
                "or the entry names the tenant's user who has the operator's id.",
                hint="Set TENANT_ADMIN_LOG_PUBLIC_USERS = True: tenant schemas' admin log then names public's "
                "users (an admin on a tenant's own host, logged in as a tenant user, can then not log changes).",
                id="pg_tenants_admin.W004",
            )
        ]
    return []


def _position(installed: list[str], name: str) -> int | None:
    for index, entry in enumerate(installed):
        if entry == name or entry.startswith(name + ".apps."):
            return index
    return None
