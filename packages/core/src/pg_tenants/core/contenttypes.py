"""Keep Django's content-type cache apart per schema.

``ContentType.objects`` caches rows per database alias only. With
``django.contrib.contenttypes`` in ``TENANT_APPS`` every schema has its own
rows, whose ids may differ, so a process serving several tenants could hand one
tenant another tenant's content type. Keying the cache by the active schema too
closes that; :class:`~pg_tenants.core.apps.PgTenantsConfig` installs it at
start-up when content types are installed.
"""

from __future__ import annotations

from typing import Any

from pg_tenants.core.context import get_current_schema_name


class SchemaKeyedCache(dict[Any, Any]):
    """A dict whose keys are paired with the active schema's name."""

    def _key(self, key: Any) -> Any:
        return (get_current_schema_name(), key)

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self._key(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(self._key(key), value)

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(self._key(key))

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._key(key), default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        return super().setdefault(self._key(key), default)

    def pop(self, key: Any, *default: Any) -> Any:
        return super().pop(self._key(key), *default)


def install_schema_keyed_contenttype_cache() -> None:
    """Give ``ContentType``'s managers a :class:`SchemaKeyedCache` (idempotent).

    The manager Django hands out is a shallow copy of the one in
    ``_meta.local_managers``, remade whenever the app registry's caches are
    cleared; patching the original too keeps the copies sharing one keyed cache.
    """
    from django.contrib.contenttypes.models import ContentType

    managers: list[Any] = [*ContentType._meta.local_managers, ContentType.objects]
    cache = next((m._cache for m in managers if isinstance(m._cache, SchemaKeyedCache)), None) or SchemaKeyedCache()
    for manager in managers:
        manager._cache = cache
