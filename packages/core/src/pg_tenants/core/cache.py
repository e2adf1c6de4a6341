"""The tenant cache: resolver look-ups answered from memory.

A warm look-up runs no SQL. Entries are dropped when a tenant or domain row is
saved or deleted: at once in this process, and in other processes through a
generation number kept in Django's cache framework (``TENANT_CACHE_ALIAS``),
which each process reads at most every ``TENANT_CACHE_SYNC_INTERVAL`` seconds.
Every entry also expires after ``TENANT_CACHE_TTL`` seconds, a safety net for
changes made behind Django's back.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from django.core.cache import caches

from .conf import tenant_settings
from .context import public_context
from .utils import get_domain_model, get_tenant_model

if TYPE_CHECKING:
    from .models import TenantModel
    from .resolvers import Resolution

GENERATION_KEY = "pg_tenants:tenant-cache-generation"
_MISS = object()


class TenantCache:
    """Maps ``(lookup, value)`` to a tenant (or to "no such tenant")."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[float, TenantModel | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation: Any = None
        self._next_sync = 0.0
        #: Number of database look-ups made; tests read it to prove a warm path costs none.
        self.misses = 0

    # -- reading ---------------------------------------------------------------

    def peek(self, lookup: str, value: str) -> Any:
        """The cached answer, or the ``MISS`` sentinel (see :meth:`is_miss`). Runs no SQL."""
        self._sync_generation()
        key = (lookup, value)
        entry = self._entries.get(key)
        if entry is None:
            return _MISS
        expires, tenant = entry
        if expires < time.monotonic():
            with self._lock:
                self._entries.pop(key, None)
            return _MISS
        return tenant

    @staticmethod
    def is_miss(value: Any) -> bool:
        """Whether :meth:`peek` found nothing."""
        return value is _MISS

    def get(self, lookup: str, value: str) -> TenantModel | None:
        """The tenant for a look-up, from memory when warm, else from the database."""
        tenant = self.peek(lookup, value)
        if tenant is _MISS:
            return self.load(lookup, value)
        return tenant  # type: ignore[no-any-return]

    def get_for_resolution(self, resolution: Resolution) -> TenantModel | None:
        """The tenant a resolver's :class:`~pg_tenants.core.resolvers.Resolution` names."""
        return self.get(resolution.lookup, resolution.value)

    def load(self, lookup: str, value: str) -> TenantModel | None:
        """Look the tenant up in the database (in public) and remember the answer."""
        self.misses += 1
        tenant = self._query(lookup, value)
        with self._lock:
            self._entries[(lookup, value)] = (time.monotonic() + tenant_settings.TENANT_CACHE_TTL, tenant)
            self._entries.move_to_end((lookup, value))
            while len(self._entries) > tenant_settings.TENANT_CACHE_MAX_ENTRIES:
                self._entries.popitem(last=False)
        return tenant

    def _query(self, lookup: str, value: str) -> TenantModel | None:
        tenant_model = get_tenant_model()
        with public_context():
            if lookup == "domain":
                domain = (
                    get_domain_model()
                    ._default_manager.select_related("tenant")
                    .filter(domain=value, tenant__is_active=True)
                    .first()
                )
                return domain.tenant if domain is not None else None
            if lookup not in {"slug", "schema_name"}:
                raise ValueError(f"Unknown tenant look-up {lookup!r}: use 'slug', 'domain' or 'schema_name'.")
            tenant = tenant_model._default_manager.filter(**{lookup: value}, is_active=True).first()
        if tenant is None and lookup == "schema_name" and value == tenant_settings.PUBLIC_SCHEMA_NAME:
            # A project need not keep a row for the public tenant.
            tenant = tenant_model(schema_name=value, slug="public")
        return tenant

    def tenant_for_schema(self, schema_name: str) -> TenantModel:
        """The tenant owning ``schema_name``, or an unsaved instance when no row has it."""
        tenant = self.get("schema_name", schema_name)
        if tenant is None:
            tenant = get_tenant_model()(schema_name=schema_name)
        return tenant

    # -- invalidation ------------------------------------------------------------

    def clear(self) -> None:
        """Forget every entry in this process (and read the shared generation again next time)."""
        with self._lock:
            self._entries.clear()
        self._next_sync = 0.0

    def invalidate(self) -> None:
        """Forget every entry here and tell other processes to do the same."""
        self.clear()
        alias = tenant_settings.TENANT_CACHE_ALIAS
        if alias is None:
            return
        cache = caches[alias]
        try:
            generation = cache.incr(GENERATION_KEY)
        except ValueError:
            generation = time.time_ns()
            cache.set(GENERATION_KEY, generation, None)
        self._generation = generation

    def _sync_generation(self) -> None:
        alias = tenant_settings.TENANT_CACHE_ALIAS
        if alias is None:
            return
        now = time.monotonic()
        if now < self._next_sync:
            return
        self._next_sync = now + tenant_settings.TENANT_CACHE_SYNC_INTERVAL
        generation = caches[alias].get(GENERATION_KEY)
        if generation != self._generation:
            self.clear()
            self._generation = generation


tenant_cache = TenantCache()
