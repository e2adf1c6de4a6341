"""Settings read by django-pg-tenants-admin, each with its default beside it.

Cached like every package's settings (:class:`pg_tenants.core.conf.PackageSettings`),
so ``override_settings`` just works; values are returned as configured and
checked in :mod:`.checks`.
"""

from __future__ import annotations

from pg_tenants.core.conf import PackageSettings


class AdminSettings(PackageSettings):
    """Typed, live accessors for the ``TENANT_ADMIN_*`` settings."""

    @property
    def TENANT_ADMIN_REGISTER(self) -> bool:
        """Register the tenant and domain admins on Django's default ``admin.site`` (default ``True``)."""
        return self._get("TENANT_ADMIN_REGISTER", True)

    @property
    def TENANT_ADMIN_TENANTS_FOR_USER(self) -> str | None:
        """Dotted path of ``f(user, queryset) -> queryset``: the tenants a user may enter.

        ``None`` (the default) lets every user allowed to switch enter every
        active tenant. The function gets the active tenants other than public.
        """
        return self._get("TENANT_ADMIN_TENANTS_FOR_USER", None) or None

    @property
    def TENANT_ADMIN_SEARCH_THRESHOLD(self) -> int:
        """Above this many tenants the switcher is a searchable text box instead of a list (default 20)."""
        return self._get("TENANT_ADMIN_SEARCH_THRESHOLD", 20)


admin_settings = AdminSettings()
