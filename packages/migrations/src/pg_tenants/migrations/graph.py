"""Django's migration graph, loaded once per process and shared by every schema.

Django's ``MigrationExecutor`` reads the migration files and builds the graph
each time it is created; ``migrate`` run per schema pays that once per tenant.
Here the graph is built once (:func:`load_graph`) and each schema gets a cheap
executor over it that only carries that schema's applied set
(:func:`executor_for`). Project states rendered before a plan are cached by the
applied set they come from, because hundreds of tenants usually share one.

Each schema is on one :class:`SchemaSide`, public or tenant: the apps the
database routers migrate there. A schema records only its side's migrations
(:class:`SideExecutor`). Another app's migration counts as applied in it as
soon as everything it depends on is (:func:`side_applied`), so its models are
in the project state and foreign keys into shared tables resolve; until then it
is in the plan and runs as the no-op the routers make of it, unrecorded.
Django's own ``migrate`` records a migration even when the router skipped all
of it, which is why an app added to ``TENANT_APPS`` later would otherwise never
get its tables (see :mod:`.records` for schemas that already hold such rows).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

from pg_tenants.core import schema_context
from pg_tenants.core.conf import tenant_settings

Key = tuple[str, str]
T = TypeVar("T")


def parse_key(entry: str) -> Key:
    """``"app.name"``, the form the SQL functions return migrations in, as a key."""
    app, _, name = entry.partition(".")
    return app, name


_lock = threading.Lock()
_graph_cache: dict[Any, MigrationGraphSnapshot] = {}


@dataclass(frozen=True, slots=True)
class SchemaSide:
    """What one kind of schema (the public one, or any tenant schema) runs and records."""

    public: bool
    #: Labels of the migrated apps the routers allow there.
    apps: frozenset[str]
    #: Those apps' migrations in apply order: what a fully migrated schema of this side has recorded.
    full_plan: tuple[Key, ...]
    expected: frozenset[Key]

    def expected_strings(self) -> list[str]:
        """``"app.name"`` for every expected migration (the form the SQL functions take)."""
        return [f"{app}.{name}" for app, name in self.full_plan]


class MigrationGraphSnapshot:
    """The migrations on disk: a loader without any database state, and what a full migrate reaches."""

    def __init__(self) -> None:
        self.loader = MigrationLoader(None, ignore_no_migrations=True)
        graph = self.loader.graph
        self.targets: list[Key] = graph.leaf_nodes()
        plan: list[Key] = []
        seen: set[Key] = set()
        for target in self.targets:
            for node in graph.forwards_plan(target):
                if node not in seen:
                    seen.add(node)
                    plan.append(node)
        #: Every migration of the graph, in apply order (both sides).
        self.full_plan: list[Key] = plan
        self._states: OrderedDict[frozenset[Key], ProjectState] = OrderedDict()
        self._state_lock = threading.Lock()
        self._memo: dict[Any, Any] = {}

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``, once per snapshot and ``key`` (things derived from the graph alone)."""
        with self._state_lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[no-any-return]

    def side(self, schema_name: str, using: str = DEFAULT_DB_ALIAS) -> SchemaSide:
        """The :class:`SchemaSide` of ``schema_name``: public's, or the one every tenant schema shares.

        The routers are asked once per side, with ``schema_name`` active (they
        must answer the same for every tenant schema, as ``TenantRouter`` does).
        """
        public = schema_name == tenant_settings.PUBLIC_SCHEMA_NAME
        return self.memo(("side", public, using), lambda: self._make_side(schema_name, public, using))

    def _make_side(self, schema_name: str, public: bool, using: str) -> SchemaSide:
        with schema_context(schema_name):
            apps = frozenset(label for label in self.loader.migrated_apps if router.allow_migrate(using, label))
        plan = tuple(key for key in self.full_plan if key[0] in apps)
        return SchemaSide(public, apps, plan, frozenset(plan))

    def effective_applied(self, recorded: Iterable[Key], side: SchemaSide) -> dict[Key, Migration] | None:
        """The applied set as the shared graph sees it; ``None`` when it cannot (half-applied squash).

        It is what ``side``'s schema recorded of its own apps, and every other
        app's migration whose dependencies are applied (:func:`side_applied`).
        """
        applied_keys = {key for key in recorded if key[0] in side.apps}
        for key, migration in self.loader.replacements.items():
            if key[0] not in side.apps:
                continue
            statuses = [target in applied_keys for target in migration.replaces]
            if all(statuses):
                applied_keys.add(key)
            elif any(statuses):
                return None
        return side_applied(self.loader.graph, self.full_plan, applied_keys, side)

    def pre_state(self, executor: MigrationExecutor) -> ProjectState:
        """The rendered state before the plan: computed once per distinct applied set, cloned for each use."""
        key = frozenset(executor.loader.applied_migrations)
        with self._state_lock:
            state = self._states.get(key)
            if state is None:
                state = executor._create_project_state(with_applied_migrations=True)  # type: ignore[attr-defined]
                state.apps  # noqa: B018  (render the models now, once)
                self._states[key] = state
                while len(self._states) > 4:
                    self._states.popitem(last=False)
            else:
                self._states.move_to_end(key)
            return state.clone()


def _cache_key() -> Any:
    # The app lists and routers decide the sides, cached with the graph.
    return (
        tuple(settings.INSTALLED_APPS),
        repr(getattr(settings, "MIGRATION_MODULES", {})),
        repr(tenant_settings.SHARED_APPS),
        repr(tenant_settings.TENANT_APPS),
        repr(getattr(settings, "DATABASE_ROUTERS", [])),
    )


def load_graph(refresh: bool = False) -> MigrationGraphSnapshot:
    """The process-wide :class:`MigrationGraphSnapshot` for the current settings."""
    key = _cache_key()
    with _lock:
        snapshot = None if refresh else _graph_cache.get(key)
        if snapshot is None:
            snapshot = MigrationGraphSnapshot()
            _graph_cache.clear()
            _graph_cache[key] = snapshot
        return snapshot


def recorded_migrations(connection: BaseDatabaseWrapper) -> set[Key] | None:
    """``(app, name)`` rows of the active schema's ``django_migrations``; ``None`` when it has none."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return {(app, name) for app, name in cursor.fetchall()}


def side_applied(graph: Any, order: Iterable[Key], recorded: set[Key], side: SchemaSide) -> dict[Key, Migration]:
    """The migrations of ``graph`` applied in a schema of ``side`` that has ``recorded`` these.

    ``order`` is every node in apply order. The side's own migrations are
    applied when recorded; any other is applied once all its parents are: the
    routers make it a no-op there, so it has nothing to wait for but them.
    Rows the schema holds for other apps (which Django's ``migrate`` writes)
    do not count.
    """
    nodes = graph.nodes
    applied = {key for key in recorded if key in nodes and key[0] in side.apps}
    for key in order:
        if key[0] in side.apps or key in applied:
            continue
        if all(parent.key in applied for parent in graph.node_map[key].parents):
            applied.add(key)
    return {key: nodes[key] for key in applied}


class SideExecutor(MigrationExecutor):
    """Django's executor that records only the migrations of its schema's side.

    The others in its plans run as the no-ops the routers make of them and
    leave no row, so a schema's ``django_migrations`` says what ran there.
    """

    side: SchemaSide

    # Django up to 6.0 calls record_migration(migration) after applying one; 6.1 calls
    # record_migration(app_label, name, forward) after applying and unapplying (and for
    # each migration a squash replaces). Either way, only this side's apps are recorded.
    def record_migration(self, *args: Any, **kwargs: Any) -> None:
        first = args[0]
        app_label = first.app_label if isinstance(first, Migration) else first
        if app_label in self.side.apps:
            super().record_migration(*args, **kwargs)


def executor_for(
    snapshot: MigrationGraphSnapshot,
    connection: BaseDatabaseWrapper,
    recorded: set[Key] | None,
    progress_callback: Any = None,
    *,
    side: SchemaSide,
) -> MigrationExecutor:
    """A :class:`SideExecutor` for the active schema, on ``side``, that reuses the shared graph.

    Its applied set is :meth:`MigrationGraphSnapshot.effective_applied`. Falls
    back to loading the graph with the schema's history (as Django's own
    executor does) when that history cannot be expressed on the shared graph
    (a squashed migration half applied).
    """
    applied = snapshot.effective_applied(recorded or (), side)
    if applied is None:
        fallback = SideExecutor(connection, progress_callback)
        fallback.side = side
        loader = fallback.loader
        order = [(m.app_label, m.name) for m, _ in fallback.migration_plan(loader.graph.leaf_nodes(), clean_start=True)]
        loader.applied_migrations = side_applied(loader.graph, order, set(loader.applied_migrations), side)
        return fallback
    executor = SideExecutor.__new__(SideExecutor)
    executor.side = side
    executor.connection = connection
    loader = copy.copy(snapshot.loader)
    loader.connection = connection
    loader.applied_migrations = applied
    executor.loader = loader
    executor.recorder = MigrationRecorder(connection)
    executor.progress_callback = progress_callback
    return executor


def schema_plan(
    plan: list[tuple[Migration, bool]], executor: MigrationExecutor | None = None
) -> list[tuple[Migration, bool]]:
    """``plan`` with one schema's own copies of its migrations, to send to ``pre_migrate`` receivers.

    Receivers may change the migrations of the plan they are sent: Django's
    contenttypes app inserts a ``RenameContentType`` after every ``RenameModel``.
    Under ``migrate`` the migrations are loaded for that one run; here the graph
    is shared by every schema and thread of the run (and, when provisioning, by
    later runs), so such a change would pile up, one more operation per schema,
    in a list another thread may be iterating. Each copy has its own
    ``operations`` list; the copies compare equal to the originals.

    With ``executor`` (one schema's, from :func:`executor_for`), its loader is
    given a graph whose nodes are the copies, so what the receivers added is
    applied in that schema, and only there. Compute the pre-plan state first:
    :meth:`MigrationGraphSnapshot.pre_state` only serves executors on the shared graph.
    """
    copies: dict[Key, Migration] = {}
    owned: list[tuple[Migration, bool]] = []
    for migration, backwards in plan:
        mine = copy.copy(migration)
        # an instance attribute since Migration.__init__ (the stubs declare a class variable)
        mine.operations = list(migration.operations)  # type: ignore[misc]
        copies[(migration.app_label, migration.name)] = mine
        owned.append((mine, backwards))
    if executor is not None:
        graph = copy.copy(executor.loader.graph)
        graph.nodes = {**graph.nodes, **copies}
        executor.loader.graph = graph
    return owned
