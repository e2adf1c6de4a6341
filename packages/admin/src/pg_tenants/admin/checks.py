"""System checks of django-pg-tenants-admin (ids ``pg_tenants_admin.E00x`` / ``W00x``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from pg_tenants.core.check_helpers import dotted_path_problem, middleware_order, setting_type_errors
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.routers import app_labels

from .conf import admin_settings

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
    """E001, W002, W003: where the admin app and Django's admin are installed and migrated."""
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
    tenant = app_labels(tenant_settings.TENANT_APPS)
    # With auth in TENANT_APPS too, LogEntry.user would point at the tenant's
    # users, where the operators do not exist: the advice would not apply.
    if "contenttypes" in tenant and "admin" not in tenant and "admin" in shared and "auth" not in tenant:
        errors.append(
            Warning(
                "django.contrib.contenttypes is in TENANT_APPS but django.contrib.admin is not: the admin history "
                "of tenant objects is written to public's django_admin_log with the tenant schema's content type "
                "ids, and histories of different tenants mix (object ids repeat across tenants).",
                hint='Add "django.contrib.admin" to TENANT_APPS too, so each tenant keeps its own admin history.',
                id="pg_tenants_admin.W003",
            )
        )
    return errors


def _position(installed: list[str], name: str) -> int | None:
    for index, entry in enumerate(installed):
        if entry == name or entry.startswith(name + ".apps."):
            return index
    return None
