"""Keep Django's site cache apart per schema, so ``get_current_site()`` gives each tenant its own ``Site``.

``django.contrib.sites`` caches ``Site`` rows in one module-level dict,
``SITE_CACHE``, keyed by ``SITE_ID`` or by host. With the sites app in
``TENANT_APPS`` each schema has its own ``django_site`` rows, and a process
serving several tenants would hand every tenant the ``Site`` of the first one
that asked (by ``SITE_ID``; by host too, where tenants share a host, as with
the header and path resolvers). :class:`~pg_tenants.core.apps.PgTenantsConfig`
installs a cache keyed by the active schema at start-up whenever the sites app
is installed. Django's own receivers still clear an entry when its ``Site`` is
saved or deleted, in the schema the row belongs to, and
``Site.objects.clear_cache()`` empties every schema's entries and keeps the
cache keyed.
"""

from __future__ import annotations

from typing import Any

from .contenttypes import SchemaKeyedCache


def install_schema_keyed_site_cache() -> None:
    """Make ``django.contrib.sites.models.SITE_CACHE`` a :class:`SchemaKeyedCache` that stays one (idempotent).

    Django's ``SiteManager.clear_cache()`` rebinds ``SITE_CACHE`` to a new
    plain dict, which would quietly share entries again: it is replaced by one
    that empties the keyed cache in place.
    """
    from django.contrib.sites import models as sites_models

    _keyed_site_cache()
    if not getattr(sites_models.SiteManager.clear_cache, "keeps_schema_keys", False):
        sites_models.SiteManager.clear_cache = _clear_cache  # type: ignore[method-assign]


def _keyed_site_cache() -> SchemaKeyedCache:
    from django.contrib.sites import models as sites_models

    cache = sites_models.SITE_CACHE
    if not isinstance(cache, SchemaKeyedCache):
        # Entries cached before this point name no schema: they are dropped.
        cache = sites_models.SITE_CACHE = SchemaKeyedCache()
    return cache


def _clear_cache(self: Any) -> None:
    """Clear the ``Site`` object cache, every schema's entries."""
    _keyed_site_cache().clear()


_clear_cache.keeps_schema_keys = True  # type: ignore[attr-defined]
