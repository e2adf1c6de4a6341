"""Settings read by django-pg-tenants-admin, each with its default beside it.

Every property reads :data:`django.conf.settings` when accessed, so
``override_settings`` just works.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


class AdminSettings:
    """Typed, live accessors for the ``TENANT_ADMIN_*`` settings."""

    def _get(self, name: str, default: Any) -> Any:
        return getattr(settings, name, default)

    @property
    def TENANT_ADMIN_REGISTER(self) -> bool:
        """Register the tenant and domain admins on Django's default ``admin.site`` (default ``True``)."""
        return bool(self._get("TENANT_ADMIN_REGISTER", True))

    @property
    def TENANT_ADMIN_TENANTS_FOR_USER(self) -> str | None:
        """Dotted path of ``f(user, queryset) -> queryset``: the tenants a user may enter.

        ``None`` (the default) lets every user allowed to switch enter every
        active tenant. The function gets the active tenants other than public.
        """
        value = self._get("TENANT_ADMIN_TENANTS_FOR_USER", None)
        return str(value) if value else None

    @property
    def TENANT_ADMIN_SEARCH_THRESHOLD(self) -> int:
        """Above this many tenants the switcher is a searchable text box instead of a list (default 20)."""
        return int(self._get("TENANT_ADMIN_SEARCH_THRESHOLD", 20))


admin_settings = AdminSettings()
