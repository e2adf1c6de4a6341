"""Keep Django's content-type cache per schema.

``ContentType.objects`` caches rows per database alias. With
``django.contrib.contenttypes`` in ``TENANT_APPS`` every schema has its own
rows, and ids can differ between schemas, so a process that touches several
schemas (``migrate_schemas --jobs``, a threaded server) could hand one tenant
another tenant's content type. Keying the cache by the active schema as well
fixes that; :class:`~pg_tenants.migrations.apps.PgTenantsMigrationsConfig`
installs it at start-up when content types are installed.
"""

from __future__ import annotations

from typing import Any

from pg_tenants.core import get_current_schema_name


class SchemaKeyedCache(dict[Any, Any]):
    """A dict whose keys are silently paired with the active schema's name."""

    def _key(self, key: Any) -> Any:
        return (get_current_schema_name(), key)

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self._key(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(self._key(key), value)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._key(key), default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        return super().setdefault(self._key(key), default)

    def pop(self, key: Any, *default: Any) -> Any:
        return super().pop(self._key(key), *default)


def install_schema_keyed_contenttype_cache() -> None:
    """Replace ``ContentType.objects``' cache with a :class:`SchemaKeyedCache` (idempotent)."""
    from django.contrib.contenttypes.models import ContentType

    manager: Any = ContentType.objects
    if not isinstance(manager._cache, SchemaKeyedCache):
        manager._cache = SchemaKeyedCache()
