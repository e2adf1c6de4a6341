"""One typed view of the settings each django-pg-tenants package reads.

:class:`PackageSettings` is the base every package's ``conf.py`` subclasses:
one property per setting, returning ``self._get("NAME", default)``, with the
default beside the name. Values are read from :data:`django.conf.settings`
and kept until a ``setting_changed`` signal (which ``override_settings``
sends) clears them: reading an unset setting through Django raises and catches
an exception each time, too slow for the request path.

A property returns the value as configured, never converted (``bool("False")``
is true): each package's ``checks.py`` reports a value whose type is not the
property's return annotation, with
:func:`pg_tenants.core.check_helpers.setting_type_errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath
from typing import Any, TypeVar, cast, get_type_hints

from django.conf import settings
from django.core.signals import setting_changed

T = TypeVar("T")


class PackageSettings:
    """Cached, ``setting_changed``-aware accessors for one package's settings (subclass it)."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        setting_changed.connect(self._forget, dispatch_uid=f"pg_tenants_settings_{id(self)}")

    def _forget(self, **kwargs: Any) -> None:
        self._values.clear()

    def _get(self, name: str, default: T) -> T:
        """The setting, or ``default`` when it is unset.

        Typed as the default: a value of another type is the project's
        mistake, which the package's system checks report.
        """
        try:
            value = self._values[name]
        except KeyError:
            value = self._values[name] = getattr(settings, name, default)
        return cast(T, value)

    @classmethod
    def expected_types(cls) -> dict[str, Any]:
        """Each setting's name and the type its property declares (what the checks compare with)."""
        found: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for name, member in vars(klass).items():
                if name.isupper() and isinstance(member, property) and member.fget is not None:
                    found[name] = get_type_hints(member.fget)["return"]
        return found


class TenantSettings(PackageSettings):
    """Typed, live accessors for the core's settings."""

    @property
    def TENANT_MODEL(self) -> str:
        """``"app_label.ModelName"`` of the project's tenant model (required)."""
        return self._get("TENANT_MODEL", "")

    @property
    def TENANT_DOMAIN_MODEL(self) -> str:
        """``"app_label.ModelName"`` of the domain model (optional for resolvers that do not use it)."""
        return self._get("TENANT_DOMAIN_MODEL", "")

    @property
    def SHARED_APPS(self) -> Sequence[str]:
        """Apps whose tables live in the public schema."""
        return self._get("SHARED_APPS", ())

    @property
    def TENANT_APPS(self) -> Sequence[str]:
        """Apps whose tables live in every tenant schema."""
        return self._get("TENANT_APPS", ())

    @property
    def PUBLIC_SCHEMA_NAME(self) -> str:
        """Schema holding shared apps; the public tenant's schema."""
        return self._get("PUBLIC_SCHEMA_NAME", "public")

    @property
    def PUBLIC_SCHEMA_URLCONF(self) -> str | None:
        """Urlconf used for requests to the public tenant (``ROOT_URLCONF`` when unset)."""
        return self._get("PUBLIC_SCHEMA_URLCONF", None) or None

    @property
    def TENANT_URLCONFS(self) -> dict[str, str]:
        """Urlconf per tenant type: ``{"premium": "project.urls_premium"}``."""
        return self._get("TENANT_URLCONFS", {})

    @property
    def TENANT_RESOLVER(self) -> Any:
        """Short name, dotted path, resolver object, or a list of those tried in order."""
        return self._get("TENANT_RESOLVER", None)

    @property
    def TENANT_NOT_FOUND(self) -> str:
        """What an unknown tenant gets: ``"404"``, ``"public"`` or a dotted path to a view."""
        return self._get("TENANT_NOT_FOUND", "404")

    @property
    def TENANT_SEARCH_PATH_MODE(self) -> str:
        """``"session"`` (default) or ``"transaction"`` for PgBouncer transaction pooling."""
        return self._get("TENANT_SEARCH_PATH_MODE", "session")

    @property
    def TENANT_SEARCH_PATH_ON_CONNECT(self) -> bool:
        """Send the search path as a start-up option of new connections (saves a round trip)."""
        return self._get("TENANT_SEARCH_PATH_ON_CONNECT", True)

    @property
    def TENANT_EXTRA_SEARCH_PATHS(self) -> Sequence[str]:
        """Schemas appended after ``public`` in every search path (e.g. ``["extensions"]``)."""
        return self._get("TENANT_EXTRA_SEARCH_PATHS", ())

    @property
    def TENANT_CACHE_ALIAS(self) -> str | None:
        """Django cache used to tell other processes a tenant changed; ``None`` to rely on the TTL."""
        return self._get("TENANT_CACHE_ALIAS", "default") or None

    @property
    def TENANT_CACHE_SYNC_INTERVAL(self) -> float:
        """Seconds between checks of ``TENANT_CACHE_ALIAS`` for changes made by other processes."""
        return self._get("TENANT_CACHE_SYNC_INTERVAL", 1.0)

    @property
    def TENANT_CACHE_TTL(self) -> float:
        """Seconds a resolved tenant is kept in process memory at most."""
        return self._get("TENANT_CACHE_TTL", 300)

    @property
    def TENANT_CACHE_MAX_ENTRIES(self) -> int:
        """How many tenants the in-process cache keeps; the least recently used goes first."""
        return self._get("TENANT_CACHE_MAX_ENTRIES", 10_000)

    @property
    def TENANT_CACHE_MAX_MISSES(self) -> int:
        """How many look-ups that found no tenant (unknown hosts) the cache keeps, apart from the tenants."""
        return self._get("TENANT_CACHE_MAX_MISSES", 1_000)

    @property
    def TENANT_BASE_BACKEND(self) -> str:
        """The PostgreSQL backend wrapped by ``pg_tenants.core.backend`` (e.g. PostGIS)."""
        return self._get("TENANT_BASE_BACKEND", "django.db.backends.postgresql")

    @property
    def TENANT_SCHEMA_PROVISIONER(self) -> str | None:
        """Dotted path of ``provision(schema_name, using)``; default picks the fastest installed."""
        return self._get("TENANT_SCHEMA_PROVISIONER", None) or None

    @property
    def TENANT_TEMPLATE_DIRS(self) -> Sequence[str | PurePath]:
        """Folders of each tenant's own templates, ``{schema}`` or ``{slug}`` in each path (template loaders)."""
        return self._get("TENANT_TEMPLATE_DIRS", ())


tenant_settings = TenantSettings()
