"""The tenant cache: resolver look-ups answered from memory.

A warm look-up runs no SQL. Entries are dropped when a tenant or domain row is
saved or deleted: at once in this process, and in other processes through a
generation number kept in Django's cache framework (``TENANT_CACHE_ALIAS``),
which each process reads at most every ``TENANT_CACHE_SYNC_INTERVAL`` seconds.
Every entry also expires after ``TENANT_CACHE_TTL`` seconds, a safety net for
changes made behind Django's back. Tenants found and look-ups that found none
are bounded separately, each dropping its least recently used entry first.

A look-up that raced an invalidation (it read the row, then a save committed
and cleared the cache) answers with what it read but does not store it. A
look-up also learns, in the same query, whether the tenant's schema exists: a
tenant whose schema is missing is never stored and raises
:class:`TenantSchemaMissing`. The async path (:meth:`TenantCache.aget`) runs no
database or cache I/O in the event loop.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.db.models import BooleanField, F, Func

from .conf import tenant_settings
from .context import public_context
from .exceptions import SchemaNotFound
from .registry import get_domain_model, get_tenant_model

if TYPE_CHECKING:
    from .models import TenantModel
    from .resolution import Resolution

GENERATION_KEY = "pg_tenants:tenant-cache-generation"
_SCHEMA_EXISTS = "_pg_tenants_schema_exists"


class TenantSchemaMissing(SchemaNotFound):
    """A tenant row was found, but its schema does not exist; ``tenant`` is the row."""

    def __init__(self, tenant: TenantModel) -> None:
        self.tenant = tenant
        super().__init__(tenant.schema_name)


class _SchemaExists(Func):
    # A column of the same query, not a second round trip.
    template = "EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %(expressions)s)"
    output_field = BooleanField()


class TenantCache:
    """Maps ``(lookup, value)`` to a tenant, or to "no such tenant", in process memory.

    Tenants found and look-ups that found none are kept apart, each bounded
    (``TENANT_CACHE_MAX_ENTRIES``, ``TENANT_CACHE_MAX_MISSES``) and each
    evicting its least recently used entry first: a stream of unknown hosts
    never pushes the tenants being served out. ``clock`` (``time.monotonic``
    by default) measures the TTL and the sync interval; tests pass their own.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # (expires, answer) by (lookup, value); answers are tenants in one, None in the other.
        self._tenants: OrderedDict[tuple[str, str], tuple[float, TenantModel | None]] = OrderedDict()
        self._misses: OrderedDict[tuple[str, str], tuple[float, TenantModel | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation: Any = None
        #: Bumped by every clear(); a load stores its answer only if it is unchanged since before its query.
        self._local_generation = 0
        self._next_sync = 0.0
        #: Number of database look-ups made; tests read it to prove a warm path costs none.
        self.misses = 0

    def __len__(self) -> int:
        """How many answers are kept (tenants and look-ups that found none)."""
        return len(self._tenants) + len(self._misses)

    # -- reading ---------------------------------------------------------------

    def _remembered(self, lookup: str, value: str) -> tuple[bool, TenantModel | None]:
        """``(True, answer)`` when the answer is in memory and fresh, else ``(False, None)``. No I/O."""
        key = (lookup, value)
        with self._lock:
            for entries in (self._tenants, self._misses):
                entry = entries.get(key)
                if entry is None:
                    continue
                expires, tenant = entry
                if expires < self._clock():
                    del entries[key]
                    return False, None
                entries.move_to_end(key)  # least recently used is evicted first
                return True, tenant
        return False, None

    def get(self, lookup: str, value: str) -> TenantModel | None:
        """The tenant for a look-up, from memory when warm, else from the database.

        It may read the shared generation from ``TENANT_CACHE_ALIAS``, which is
        I/O for some cache backends: async code uses :meth:`aget`. Raises
        :class:`TenantSchemaMissing` when the tenant's schema does not exist.
        """
        self._sync_generation()
        found, tenant = self._remembered(lookup, value)
        return tenant if found else self.load(lookup, value)

    async def aget(self, lookup: str, value: str) -> TenantModel | None:
        """:meth:`get` for async code: answers from memory, or hops to a thread for any I/O.

        One hop at most, and only when the shared generation is due to be read
        or the answer is not in memory.
        """
        if not self._sync_due():
            found, tenant = self._remembered(lookup, value)
            if found:
                return tenant
        return await sync_to_async(self.get)(lookup, value)

    def get_for_resolution(self, resolution: Resolution) -> TenantModel | None:
        """The tenant a resolver's :class:`~pg_tenants.core.resolution.Resolution` names."""
        return self.get(resolution.lookup, resolution.value)

    async def aget_for_resolution(self, resolution: Resolution) -> TenantModel | None:
        """:meth:`get_for_resolution` for async code (see :meth:`aget`)."""
        return await self.aget(resolution.lookup, resolution.value)

    def load(self, lookup: str, value: str) -> TenantModel | None:
        """Look the tenant up in the database (in public) and remember the answer.

        The answer is not remembered when the cache was cleared meanwhile (a
        save committed while the row was being read), nor for a tenant whose
        schema is missing (:class:`TenantSchemaMissing` is raised).
        """
        self.misses += 1
        generation = self._local_generation
        tenant, schema_exists = self._query(lookup, value)
        if not schema_exists and tenant is not None:
            raise TenantSchemaMissing(tenant)
        with self._lock:
            if generation == self._local_generation:
                self._store((lookup, value), tenant)
        return tenant

    def _store(self, key: tuple[str, str], tenant: TenantModel | None) -> None:
        # Called with the lock held.
        expires = self._clock() + tenant_settings.TENANT_CACHE_TTL
        if tenant is None:
            self._tenants.pop(key, None)
            self._misses[key] = (expires, None)
            self._misses.move_to_end(key)
            bound, entries = tenant_settings.TENANT_CACHE_MAX_MISSES, self._misses
        else:
            self._misses.pop(key, None)
            self._tenants[key] = (expires, tenant)
            self._tenants.move_to_end(key)
            bound, entries = tenant_settings.TENANT_CACHE_MAX_ENTRIES, self._tenants
        while len(entries) > bound:
            entries.popitem(last=False)

    def _query(self, lookup: str, value: str) -> tuple[TenantModel | None, bool]:
        """The tenant (or ``None``) and whether its schema exists, in one query."""
        tenant_model = get_tenant_model()
        with public_context():
            if lookup == "domain":
                domain = (
                    get_domain_model()
                    ._default_manager.select_related("tenant")
                    .filter(domain=value, tenant__is_active=True)
                    .annotate(**{_SCHEMA_EXISTS: _SchemaExists(F("tenant__schema_name"))})
                    .first()
                )
                if domain is None:
                    return None, True
                return domain.tenant, bool(domain.__dict__.pop(_SCHEMA_EXISTS))
            if lookup not in {"slug", "schema_name"}:
                raise ValueError(f"Unknown tenant look-up {lookup!r}: use 'slug', 'domain' or 'schema_name'.")
            tenant = (
                tenant_model._default_manager.filter(**{lookup: value}, is_active=True)
                .annotate(**{_SCHEMA_EXISTS: _SchemaExists(F("schema_name"))})
                .first()
            )
        if tenant is not None:
            return tenant, bool(tenant.__dict__.pop(_SCHEMA_EXISTS))
        if lookup == "schema_name" and value == tenant_settings.PUBLIC_SCHEMA_NAME:
            # A project need not keep a row for the public tenant.
            return tenant_model(schema_name=value, slug="public"), True
        return None, True

    def tenant_for_schema(self, schema_name: str) -> TenantModel:
        """The tenant owning ``schema_name``, or an unsaved instance when no row has it.

        A tenant whose schema is missing is returned too (the backend refuses its queries).
        """
        try:
            tenant = self.get("schema_name", schema_name)
        except TenantSchemaMissing as exc:
            return exc.tenant
        if tenant is None:
            tenant = get_tenant_model()(schema_name=schema_name)
        return tenant

    def tenant_for_schema_in_memory(self, schema_name: str) -> TenantModel | None:
        """:meth:`tenant_for_schema` from memory only (no I/O at all); ``None`` when not cached."""
        found, tenant = self._remembered("schema_name", schema_name)
        if not found:
            return None
        return tenant if tenant is not None else get_tenant_model()(schema_name=schema_name)

    # -- invalidation ------------------------------------------------------------

    def clear(self) -> None:
        """Forget every entry in this process (and read the shared generation again next time)."""
        with self._lock:
            self._tenants.clear()
            self._misses.clear()
            self._local_generation += 1
        self._next_sync = 0.0

    def forget_schema(self, schema_name: str) -> None:
        """Drop, in this process, every entry naming the tenant of ``schema_name`` (its schema went missing)."""
        with self._lock:
            for key in [k for k, (_, t) in self._tenants.items() if t is not None and t.schema_name == schema_name]:
                del self._tenants[key]

    def invalidate(self) -> None:
        """Forget every entry here and tell other processes to do the same."""
        self.clear()
        alias = tenant_settings.TENANT_CACHE_ALIAS
        if alias is None:
            return
        cache = caches[alias]
        # In public whatever is active, so that the key is one for every
        # process even when the cache's keys name the tenant (cache_keys).
        with public_context():
            try:
                generation = cache.incr(GENERATION_KEY)
            except ValueError:
                generation = time.time_ns()
                cache.set(GENERATION_KEY, generation, None)
        self._generation = generation

    def _sync_due(self) -> bool:
        return tenant_settings.TENANT_CACHE_ALIAS is not None and self._clock() >= self._next_sync

    def _sync_generation(self) -> None:
        alias = tenant_settings.TENANT_CACHE_ALIAS
        if alias is None or not self._sync_due():
            return
        self._next_sync = self._clock() + tenant_settings.TENANT_CACHE_SYNC_INTERVAL
        with public_context():  # see invalidate()
            generation = caches[alias].get(GENERATION_KEY)
        if generation != self._generation:
            self.clear()
            self._generation = generation


tenant_cache = TenantCache()
