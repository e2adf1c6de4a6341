"""Migrating one schema, and many schemas in parallel threads.

Each worker thread has its own Django connection (Django keeps connections per
thread) and activates the schema it migrates with
:func:`~pg_tenants.core.schema_context`, so ``RunPython`` code, signal
receivers and the router all see that tenant. Nothing about a finished schema is
kept except a failure, so memory does not grow with the number of tenants.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.apps import apps as global_apps
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.state import ModelState

from pg_tenants.core import schema_context
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.registry import get_tenant_model
from pg_tenants.core.schema import create_schema, schema_exists
from pg_tenants.core.signals import schema_migrated
from pg_tenants.core.validation import quote_identifier

from .conf import migration_settings
from .graph import Key, MigrationGraphSnapshot, executor_for, parse_key, recorded_migrations, schema_plan
from .targets import TargetKey

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741

_END: Any = object()

# post_migrate receivers (content types, permissions) were written for one
# database at a time; running them one schema at a time keeps them correct.
_post_migrate_lock = threading.Lock()


@dataclass(slots=True)
class SchemaOutcome:
    """What happened to one schema."""

    schema_name: str
    #: Migrations applied (or, for a plan, that would be applied), in order; unapplied when ``backwards``.
    migrations: list[Key] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    #: The plan unapplies migrations (a run with a target behind the schema's state).
    backwards: bool = False

    @property
    def ok(self) -> bool:
        """Whether the schema is now at the run's target (or the plan was read)."""
        return self.error is None


def migrate_schema(
    schema_name: str,
    snapshot: MigrationGraphSnapshot,
    *,
    using: str = DEFAULT_DB_ALIAS,
    fake: bool = False,
    fake_initial: bool = False,
    plan_only: bool = False,
    create: bool = True,
    post_migrate: bool = True,
    raise_errors: bool = False,
    targets: Sequence[TargetKey] | None = None,
    forget_apps: frozenset[str] = frozenset(),
) -> SchemaOutcome:
    """Bring ``schema_name`` to ``targets`` (default: the graph's leaves), forwards or backwards.

    Only the migrations of the schema's side (:meth:`.MigrationGraphSnapshot.side`)
    are run and recorded. A schema created for ``targets`` is brought to the
    leaves first, as the schemas that existed were. ``forget_apps``: labels
    whose recorded rows the plan ignores (a plan shown for rows :mod:`.records`
    would remove). Errors are caught and described in the outcome, unless
    ``raise_errors``.
    """
    started = time.monotonic()
    outcome = SchemaOutcome(schema_name)
    connection = connections[using]
    try:
        with schema_context(schema_name):
            _migrate_active_schema(
                outcome,
                snapshot,
                connection,
                using,
                _Flags(fake, fake_initial, plan_only, create, post_migrate),
                snapshot.targets if targets is None else targets,
                forget_apps,
            )
    except Exception as exc:  # one broken schema must never stop the others
        if raise_errors:
            raise
        outcome.error = f"{type(exc).__name__}: {exc}".strip()
        if connection.in_atomic_block is False and not connection.is_usable():
            connection.close()
    outcome.seconds = time.monotonic() - started
    return outcome


@dataclass(frozen=True, slots=True)
class _Flags:
    fake: bool
    fake_initial: bool
    plan_only: bool
    create: bool
    post_migrate: bool


def _migrate_active_schema(
    outcome: SchemaOutcome,
    snapshot: MigrationGraphSnapshot,
    connection: Any,
    using: str,
    flags: _Flags,
    targets: Sequence[TargetKey],
    forget_apps: frozenset[str],
) -> None:
    schema_name = outcome.schema_name
    is_public = schema_name == tenant_settings.PUBLIC_SCHEMA_NAME
    exists = is_public or schema_exists(schema_name, using)
    if not exists and not flags.plan_only:
        if not flags.create:
            raise LookupError(f"schema {schema_name!r} does not exist")
        create_schema(schema_name, using)
        if list(targets) != snapshot.targets:
            # made by a run with a target: first where every other schema was before it, the leaves
            leaves = SchemaOutcome(schema_name)
            _migrate_active_schema(leaves, snapshot, connection, using, flags, snapshot.targets, frozenset())
        exists = True
    # a schema that does not exist has no history; its plan is read without a query
    recorded = recorded_migrations(connection) if exists else None
    if recorded is not None and forget_apps:
        recorded = {key for key in recorded if key[0] not in forget_apps}

    side = snapshot.side(schema_name, using)

    def progress(action: str, migration: Any = None, fake: bool = False) -> None:
        # other apps' migrations run as no-ops here: not worth reporting
        if action in ("apply_success", "unapply_success") and migration.app_label in side.apps:
            outcome.migrations.append((migration.app_label, migration.name))

    executor = executor_for(snapshot, connection, recorded, progress, side=side)
    plan = executor.migration_plan(targets)
    if not plan:
        return
    outcome.backwards = plan[0][1]
    if flags.plan_only:
        outcome.migrations = [(m.app_label, m.name) for m, _ in plan if m.app_label in side.apps]
        return
    state = snapshot.pre_state(executor) if executor.loader.graph is snapshot.loader.graph else None
    if state is None:
        state = executor._create_project_state(with_applied_migrations=True)  # type: ignore[attr-defined]
    # receivers may add operations to the plan's migrations: this schema's copies, which its executor applies
    plan = schema_plan(plan, executor)
    emit_pre_migrate_signal(0, False, using, apps=state.apps, plan=plan)
    try:
        post_state = executor.migrate(targets, plan=plan, state=state, fake=flags.fake, fake_initial=flags.fake_initial)
    finally:
        if outcome.migrations:
            schema_migrated.send(
                sender=get_tenant_model(),
                schema_name=schema_name,
                migrations=list(outcome.migrations),
                backwards=outcome.backwards,
            )
    if flags.post_migrate and (is_public or needs_post_migrate(plan)):
        emit_post_migrate(post_state, plan, using)


# Operations after which Django's own post_migrate receivers (content types,
# permissions) have nothing to add: they only react to models and their options.
_FIELD_LEVEL = frozenset(
    {
        "AddField",
        "RemoveField",
        "AlterField",
        "RenameField",
        "AddIndex",
        "RemoveIndex",
        "RenameIndex",
        "AddConstraint",
        "RemoveConstraint",
        "AlterUniqueTogether",
        "AlterIndexTogether",
        "RunSQL",
        "RunPython",
        "AlterModelTable",
        "AlterModelTableComment",
        "AlterOrderWithRespectTo",
    }
)


def needs_post_migrate(plan: Any) -> bool:
    """Whether ``post_migrate`` is sent after ``plan`` in a tenant schema (``TENANT_MIGRATION_POST_MIGRATE``)."""
    if migration_settings.TENANT_MIGRATION_POST_MIGRATE == "always":
        return True
    return any(
        type(operation).__name__ not in _FIELD_LEVEL for migration, _ in plan for operation in migration.operations
    )


def emit_post_migrate(post_state: Any, plan: Any, using: str) -> None:
    """Send ``post_migrate`` for the active schema with the models as they are after ``plan``."""
    post_state.clear_delayed_apps_cache()
    post_apps = post_state.apps
    with post_apps.bulk_update():
        model_keys = []
        for model_state in post_apps.real_models:
            model_key = model_state.app_label, model_state.name_lower
            model_keys.append(model_key)
            post_apps.unregister_model(*model_key)
    post_apps.render_multiple([ModelState.from_model(global_apps.get_model(*model)) for model in model_keys])
    with _post_migrate_lock:
        emit_post_migrate_signal(0, False, using, apps=post_apps, plan=plan)


def run_parallel(
    items: Iterable[I],
    work: Callable[[I], T],
    jobs: int,
    on_done: Callable[[T], None],
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Run ``work(item)`` for every item on ``jobs`` threads; ``on_done`` runs on the calling thread.

    Each thread opens its own connection and closes it when it runs out of work.
    ``work`` must not raise.
    """
    if jobs <= 1:
        for item in items:
            on_done(work(item))
        return
    iterator: Iterator[I] = iter(items)
    take = threading.Lock()
    done: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()

    def worker() -> None:
        try:
            while True:
                with take:
                    item = next(iterator, _END)
                if item is _END:
                    return
                done.put((True, work(item)))
        except BaseException as exc:  # noqa: BLE001  (handed to the calling thread)
            done.put((False, exc))
        finally:
            connections[using].close()
            done.put((False, None))

    threads = [threading.Thread(target=worker, name=f"migrate_schemas-{n}", daemon=True) for n in range(jobs)]
    for thread in threads:
        thread.start()
    running = len(threads)
    failure: BaseException | None = None
    while running:
        is_result, value = done.get()
        if is_result:
            on_done(value)
        elif value is None:
            running -= 1
        else:
            failure = value
    for thread in threads:
        thread.join()
    if failure is not None:
        raise failure


def tenant_schema_names(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Schema names of every tenant row except the public one, sorted."""
    model = get_tenant_model()
    names = (
        model._default_manager.using(using)
        .exclude(schema_name=tenant_settings.PUBLIC_SCHEMA_NAME)
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
    return list(names)


#: The functions every path that uses SQL functions needs (installed since this app's first migration).
BASE_FUNCTIONS = ("pg_tenants_schemas_behind(text[], text[])", "pg_tenants_clone_schema(text, text, boolean)")


def functions_installed(using: str = DEFAULT_DB_ALIAS, signatures: Iterable[str] = BASE_FUNCTIONS) -> bool:
    """Whether this app's SQL functions with these signatures (default: the base ones) exist in the public schema."""
    public = quote_identifier(tenant_settings.PUBLIC_SCHEMA_NAME)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(to_regprocedure(s) IS NOT NULL) FROM unnest(%s::text[]) AS s",
            [[f"{public}.{signature}" for signature in signatures]],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def schemas_behind(
    schema_names: list[str], snapshot: MigrationGraphSnapshot, using: str = DEFAULT_DB_ALIAS
) -> list[tuple[str, int]]:
    """``(schema, missing)`` for each schema lacking some migration of its side, in one query.

    The schemas are all on one side (public alone, or tenant schemas).

    ``missing`` is the number of migrations not recorded, ``-1`` when the schema
    has no ``django_migrations`` table (or does not exist). Without the SQL
    function (this app not migrated into public yet) every schema is reported
    with ``missing = -1`` and checked when it is migrated.
    """
    if not schema_names:
        return []
    if not functions_installed(using):
        return [(name, -1) for name in schema_names]
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    with connections[using].cursor() as cursor:
        cursor.execute(
            f'SELECT schema_name, missing FROM "{public}".pg_tenants_schemas_behind(%s, %s)',
            [schema_names, snapshot.side(schema_names[0], using).expected_strings()],
        )
        found = {name: int(missing) for name, missing in cursor.fetchall()}
    return [(name, found[name]) for name in schema_names if name in found]


def schemas_missing(
    schema_names: list[str], snapshot: MigrationGraphSnapshot, using: str = DEFAULT_DB_ALIAS
) -> list[tuple[str, frozenset[Key] | None]] | None:
    """``(schema, missing migrations)`` for each schema lacking some of its side's, in one query.

    ``missing`` is ``None`` when the schema has no ``django_migrations`` table
    (or does not exist). Returns ``None`` when the SQL function is not installed
    (this app's migrations not applied to public yet).
    """
    if not schema_names:
        return []
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regprocedure(%s) IS NOT NULL AND to_regprocedure(%s) IS NOT NULL",
            [
                f'"{public}".pg_tenants_schemas_missing(text[], text[])',
                f'"{public}".pg_tenants_replay(text[], text, jsonb)',
            ],
        )
        row = cursor.fetchone()
        if not (row and row[0]):
            return None
        cursor.execute(
            f'SELECT schema_name, missing FROM "{public}".pg_tenants_schemas_missing(%s, %s)',
            [schema_names, snapshot.side(schema_names[0], using).expected_strings()],
        )
        found: dict[str, frozenset[Key] | None] = {}
        for name, missing in cursor.fetchall():
            found[name] = None if missing is None else frozenset(parse_key(entry) for entry in missing)
    return [(name, found[name]) for name in schema_names if name in found]
