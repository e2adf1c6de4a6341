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

    @property
    def TENANT_ADMIN_LOG_PUBLIC_USERS(self) -> bool:
        """With the users per tenant, tenant schemas' admin log names public's users (default ``False``).

        For projects whose admin users are operators in public who work in
        tenants through the switcher, while each tenant has its own user table:
        each tenant schema's ``django_admin_log.user_id`` then references
        public's users (see :mod:`pg_tenants.admin.history`). An admin served on
        a tenant's own host, logged in as one of the tenant's users, can then
        not log their changes (saving fails at commit, or names the operator
        with that id). Without it the key references the tenant's users, as
        Django makes it.
        """
        return self._get("TENANT_ADMIN_LOG_PUBLIC_USERS", False)


admin_settings = AdminSettings()
