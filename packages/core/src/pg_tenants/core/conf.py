"""One typed view of the settings django-pg-tenants reads.

Every property reads :data:`django.conf.settings`, and values are kept until
a ``setting_changed`` signal (which ``override_settings`` sends) clears them:
reading an unset setting through Django raises and catches an exception each
time, too slow for the request path. Defaults live beside each name.
Validation is in :mod:`pg_tenants.core.checks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed


class TenantSettings:
    """Typed, live accessors for the ``TENANT_*`` settings."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        setting_changed.connect(self._forget, dispatch_uid=f"pg_tenants_settings_{id(self)}")

    def _forget(self, **kwargs: Any) -> None:
        self._values.clear()

    def _get(self, name: str, default: Any) -> Any:
        try:
            return self._values[name]
        except KeyError:
            value = self._values[name] = getattr(settings, name, default)
            return value

    @property
    def TENANT_MODEL(self) -> str:
        """``"app_label.ModelName"`` of the project's tenant model (required)."""
        return str(self._get("TENANT_MODEL", ""))

    @property
    def TENANT_DOMAIN_MODEL(self) -> str:
        """``"app_label.ModelName"`` of the domain model (optional for resolvers that do not use it)."""
        return str(self._get("TENANT_DOMAIN_MODEL", ""))

    @property
    def SHARED_APPS(self) -> Sequence[str]:
        """Apps whose tables live in the public schema."""
        return tuple(self._get("SHARED_APPS", ()))

    @property
    def TENANT_APPS(self) -> Sequence[str]:
        """Apps whose tables live in every tenant schema."""
        return tuple(self._get("TENANT_APPS", ()))

    @property
    def PUBLIC_SCHEMA_NAME(self) -> str:
        """Schema holding shared apps; the public tenant's schema."""
        return str(self._get("PUBLIC_SCHEMA_NAME", "public"))

    @property
    def PUBLIC_SCHEMA_URLCONF(self) -> str | None:
        """Urlconf used for requests to the public tenant (``ROOT_URLCONF`` when unset)."""
        value = self._get("PUBLIC_SCHEMA_URLCONF", None)
        return str(value) if value else None

    @property
    def TENANT_URLCONFS(self) -> dict[str, str]:
        """Urlconf per tenant type: ``{"premium": "project.urls_premium"}``."""
        return dict(self._get("TENANT_URLCONFS", {}))

    @property
    def TENANT_RESOLVER(self) -> Any:
        """Short name, dotted path, resolver object, or a list of those tried in order."""
        return self._get("TENANT_RESOLVER", None)

    @property
    def TENANT_NOT_FOUND(self) -> str:
        """What an unknown tenant gets: ``"404"``, ``"public"`` or a dotted path to a view."""
        return str(self._get("TENANT_NOT_FOUND", "404"))

    @property
    def TENANT_SEARCH_PATH_MODE(self) -> str:
        """``"session"`` (default) or ``"transaction"`` for PgBouncer transaction pooling."""
        return str(self._get("TENANT_SEARCH_PATH_MODE", "session"))

    @property
    def TENANT_SEARCH_PATH_ON_CONNECT(self) -> bool:
        """Send the search path as a start-up option of new connections (saves a round trip)."""
        return bool(self._get("TENANT_SEARCH_PATH_ON_CONNECT", True))

    @property
    def TENANT_EXTRA_SEARCH_PATHS(self) -> Sequence[str]:
        """Schemas appended after ``public`` in every search path (e.g. ``["extensions"]``)."""
        return tuple(self._get("TENANT_EXTRA_SEARCH_PATHS", ()))

    @property
    def TENANT_CACHE_ALIAS(self) -> str | None:
        """Django cache used to tell other processes a tenant changed; ``None`` to rely on the TTL."""
        value = self._get("TENANT_CACHE_ALIAS", "default")
        return str(value) if value else None

    @property
    def TENANT_CACHE_SYNC_INTERVAL(self) -> float:
        """Seconds between checks of ``TENANT_CACHE_ALIAS`` for changes made by other processes."""
        return float(self._get("TENANT_CACHE_SYNC_INTERVAL", 1.0))

    @property
    def TENANT_CACHE_TTL(self) -> float:
        """Seconds a resolved tenant is kept in process memory at most."""
        return float(self._get("TENANT_CACHE_TTL", 300))

    @property
    def TENANT_CACHE_MAX_ENTRIES(self) -> int:
        """Bound on the in-process tenant cache (unknown hosts included)."""
        return int(self._get("TENANT_CACHE_MAX_ENTRIES", 10_000))

    @property
    def TENANT_BASE_BACKEND(self) -> str:
        """The PostgreSQL backend wrapped by ``pg_tenants.core.backend`` (e.g. PostGIS)."""
        return str(self._get("TENANT_BASE_BACKEND", "django.db.backends.postgresql"))

    @property
    def TENANT_SCHEMA_PROVISIONER(self) -> str | None:
        """Dotted path of ``provision(schema_name, using)``; default picks the fastest installed."""
        value = self._get("TENANT_SCHEMA_PROVISIONER", None)
        return str(value) if value else None


tenant_settings = TenantSettings()
