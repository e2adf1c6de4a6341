"""Django's migration graph, loaded once per process and shared by every schema.

Django's ``MigrationExecutor`` reads the migration files and builds the graph
each time it is created; ``migrate`` run per schema pays that once per tenant.
Here the graph is built once (:func:`load_graph`) and each schema gets a cheap
executor over it that only carries that schema's applied set
(:func:`executor_for`). Project states rendered before a plan are cached by the
applied set they come from, because hundreds of tenants usually share one.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

Key = tuple[str, str]


def parse_key(entry: str) -> Key:
    """``"app.name"``, the form the SQL functions return migrations in, as a key."""
    app, _, name = entry.partition(".")
    return app, name


_lock = threading.Lock()
_graph_cache: dict[Any, MigrationGraphSnapshot] = {}


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
        #: Every migration a fully migrated schema has recorded, in apply order.
        self.full_plan: list[Key] = plan
        self.expected: frozenset[Key] = frozenset(plan)
        self._states: OrderedDict[frozenset[Key], ProjectState] = OrderedDict()
        self._state_lock = threading.Lock()

    def expected_strings(self) -> list[str]:
        """``"app.name"`` for every expected migration (the form the SQL functions take)."""
        return [f"{app}.{name}" for app, name in self.full_plan]

    def effective_applied(self, recorded: Iterable[Key]) -> dict[Key, Migration] | None:
        """The applied set as the shared graph sees it; ``None`` when it cannot (half-applied squash)."""
        nodes = self.loader.graph.nodes
        applied_keys = set(recorded)
        for key, migration in self.loader.replacements.items():
            statuses = [target in applied_keys for target in migration.replaces]
            if all(statuses):
                applied_keys.add(key)
            elif any(statuses):
                return None
        return {key: nodes[key] for key in applied_keys if key in nodes}

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
    return (tuple(settings.INSTALLED_APPS), repr(getattr(settings, "MIGRATION_MODULES", {})))


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


def executor_for(
    snapshot: MigrationGraphSnapshot,
    connection: BaseDatabaseWrapper,
    recorded: set[Key] | None,
    progress_callback: Any = None,
) -> MigrationExecutor:
    """A ``MigrationExecutor`` for the active schema that reuses the shared graph.

    Falls back to Django's own (graph-loading) executor when the schema's history
    cannot be expressed on the shared graph (a squashed migration half applied).
    """
    applied = snapshot.effective_applied(recorded or ())
    if applied is None:
        return MigrationExecutor(connection, progress_callback)
    executor = MigrationExecutor.__new__(MigrationExecutor)
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
