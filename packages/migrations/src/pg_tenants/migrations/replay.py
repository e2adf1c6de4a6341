"""Applying one migration plan to many schemas by replaying its generated SQL.

Django's executor, run per schema, renders model states, builds a schema
editor and sends each statement in its own round trip: most of a small
migration's cost per tenant. For a plan made only of schema operations and
``RunSQL``, the SQL the schema editor writes is the same for every tenant schema
(names are unqualified and constraint and index names derive from table and
column names), so it is generated once, the way ``sqlmigrate`` does, and sent to
``TENANT_MIGRATION_BATCH_SIZE`` schemas at a time in one call of
``pg_tenants_replay`` (see :mod:`.sql`): per schema it sets the search path
the core would set, runs each migration's statements and its ``django_migrations``
row in a subtransaction, and reports how many migrations it applied and the
error that stopped it.

A plan is replayed only when that can be proven safe (:func:`replay_refusal`
says why not otherwise, and the schemas then go through the executor):

* every operation is one of Django's own schema operations or ``RunSQL`` (not
  ``RunPython``, not a subclass or a third-party operation, whose
  ``database_forwards`` may do anything), and no ``AddField``/``AlterField``
  has a callable default (the executor computes it per schema). A ``RunPython``
  a router skips in tenant schemas (by its hints) is no obstacle; a shared
  app's migrations are not in a tenant schema's plan at all (see
  :class:`.graph.SchemaSide`);
* every migration is atomic and none replaces or is replaced by a squash;
* generating the SQL sends no query: an operation that introspects (such as
  ``AlterField`` looking up constraint names) would write SQL for the schema it
  looked at, so the generation is abandoned at the first query.

``pre_migrate``, ``post_migrate`` (when :func:`.runner.needs_post_migrate`) and
``schema_migrated`` are sent per schema, with that schema active, as on the
executor path; the plan's migrations in them are that schema's copies
(:func:`.graph.schema_plan`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.management.sql import emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations import operations as ops
from django.db.migrations.migration import Migration
from django.db.migrations.state import ProjectState

from pg_tenants.core import schema_context
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.registry import get_tenant_model
from pg_tenants.core.signals import schema_migrated
from pg_tenants.core.validation import quote_identifier

from .graph import Key, MigrationGraphSnapshot, executor_for, schema_plan
from .runner import SchemaOutcome, emit_post_migrate, needs_post_migrate

# Exact classes only: a subclass may override database_forwards.
_SCHEMA_OPERATIONS: frozenset[type[Any]] = frozenset(
    getattr(ops, name)
    for name in (
        "CreateModel",
        "DeleteModel",
        "AlterModelTable",
        "AlterModelTableComment",
        "AlterUniqueTogether",
        "AlterIndexTogether",
        "AlterModelOptions",
        "AlterModelManagers",
        "AlterOrderWithRespectTo",
        "AddIndex",
        "RemoveIndex",
        "RenameIndex",
        "AddField",
        "RemoveField",
        "AlterField",
        "RenameField",
        "AddConstraint",
        "RemoveConstraint",
        "AlterConstraint",
        "RunSQL",
    )
    if hasattr(ops, name)
)


@dataclass(slots=True)
class ReplayPlan:
    """A plan's SQL, generated once, ready to be sent to many schemas."""

    #: ``(migration, backwards)`` pairs, as the executor's plan.
    plan: list[tuple[Migration, bool]]
    #: The project state before the plan (for ``pre_migrate``).
    pre_state: ProjectState
    #: The project state after the plan (for ``post_migrate``).
    post_state: ProjectState
    #: The JSON the SQL function takes: per migration its name, statements and rows to record.
    payload: str
    #: The migrations the payload applies and records, as ``(app, name)``: the plan's, less other apps' no-ops.
    keys: list[Key]


class _QuerySent(Exception):
    """Raised inside SQL generation when the schema editor sends a query (it introspects)."""


def _operation_refusal(operation: Any, app_label: str, using: str) -> str | None:
    kind = type(operation)
    if kind is ops.SeparateDatabaseAndState:
        for inner in operation.database_operations:
            reason = _operation_refusal(inner, app_label, using)
            if reason:
                return reason
        return None
    if kind is ops.RunPython and not router.allow_migrate(using, app_label, **operation.hints):
        return None  # skipped in tenant schemas (e.g. a shared app's data migration)
    if kind not in _SCHEMA_OPERATIONS:
        return f"{kind.__name__} is not a plain schema operation"
    field = getattr(operation, "field", None)
    if kind in (ops.AddField, ops.AlterField) and field is not None and field.has_default() and callable(field.default):
        return f"{operation.describe()} has a callable default, computed per schema"
    return None


def replay_refusal(
    plan: list[tuple[Migration, bool]], snapshot: MigrationGraphSnapshot, using: str = DEFAULT_DB_ALIAS
) -> str | None:
    """Why ``plan`` cannot be replayed, or ``None`` when its operations allow it.

    Call it with a tenant schema active: a ``RunPython`` the router skips there is no obstacle.
    """
    replaced = {key for migration in snapshot.loader.replacements.values() for key in migration.replaces}
    for migration, backwards in plan:
        name = f"{migration.app_label}.{migration.name}"
        if backwards:
            return f"{name} is unapplied"
        if not migration.atomic:
            return f"{name} is not atomic"
        if migration.replaces or (migration.app_label, migration.name) in replaced:
            return f"{name} is part of a squash"
        for operation in migration.operations:
            reason = _operation_refusal(operation, migration.app_label, using)
            if reason:
                return f"{name}: {reason}"
    return None


def _statements(collected: list[str]) -> list[str]:
    """Drop the comment lines ``sqlmigrate`` adds between operations."""
    kept = []
    for sql in collected:
        lines = [line for line in sql.strip().splitlines() if line.strip()]
        if lines and not all(line.lstrip().startswith("--") for line in lines):
            kept.append(sql)
    return kept


@contextmanager
def _no_queries(using: str) -> Iterator[None]:
    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise _QuerySent(sql)

    with connections[using].execute_wrapper(refuse):
        yield


def prepare_replay(
    snapshot: MigrationGraphSnapshot, missing: frozenset[Key], schema_name: str, using: str = DEFAULT_DB_ALIAS
) -> ReplayPlan | str:
    """The :class:`ReplayPlan` for schemas lacking exactly ``missing``, or why there is none.

    ``schema_name`` is one of those schemas: the SQL is generated with it active,
    so the router answers as it would for a tenant schema. No query is sent.
    """
    side = snapshot.side(schema_name, using)
    recorded = side.expected - missing
    if snapshot.effective_applied(recorded, side) is None:
        return "a squashed migration is half applied"
    connection = connections[using]
    executor = executor_for(snapshot, connection, set(recorded), side=side)
    plan = executor.migration_plan(snapshot.targets)
    keys = [(migration.app_label, migration.name) for migration, _ in plan if migration.app_label in side.apps]
    if set(keys) != set(missing):
        return "the plan differs from the missing migrations"
    with schema_context(schema_name):
        reason = replay_refusal(plan, snapshot, using)
    if reason:
        return reason
    pre_state = snapshot.pre_state(executor)
    state = pre_state.clone()
    migrations: list[dict[str, Any]] = []
    name = ""
    try:
        with schema_context(schema_name), _no_queries(using):
            for migration, _ in plan:
                name = f"{migration.app_label}.{migration.name}"
                with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
                    state = migration.apply(state, editor, collect_sql=True)
                if migration.app_label not in side.apps:
                    continue  # the routers made it a no-op: no SQL, and no row (see graph.SideExecutor)
                migrations.append(
                    {
                        "name": name,
                        "sql": _statements(editor.collected_sql),
                        "record": [[migration.app_label, migration.name]],
                    }
                )
    except _QuerySent:
        return f"{name}: generating its SQL queries the database (introspection), so the SQL may differ per schema"
    return ReplayPlan(plan, pre_state, state, json.dumps(migrations), keys)


def _path_tail() -> str:
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    extras = [public, *tenant_settings.TENANT_EXTRA_SEARCH_PATHS]
    return "".join(", " + quote_identifier(name) for name in extras)


def replay_batch(
    schema_names: list[str], replay: ReplayPlan, *, using: str = DEFAULT_DB_ALIAS, post_migrate: bool = True
) -> list[Any]:
    """Apply ``replay`` to every schema in ``schema_names`` in one round trip; one outcome per schema.

    Returns :class:`~pg_tenants.migrations.runner.SchemaOutcome` objects. A
    schema's failure is described in its outcome; the others are not affected.
    The public schema is never replayed (its path differs), nor is a name the
    path tail also holds.
    """
    connection = connections[using]
    keys = replay.keys
    outcomes = {name: SchemaOutcome(name) for name in schema_names}
    started = time.monotonic()
    # each schema's receivers get their own copies of the plan's migrations: the
    # graph is shared (what they add is not replayed: the SQL is already written)
    plans = {name: schema_plan(replay.plan) for name in schema_names}
    for name in schema_names:
        with schema_context(name):
            emit_pre_migrate_signal(0, False, using, apps=replay.pre_state.apps, plan=plans[name])
    public = quote_identifier(tenant_settings.PUBLIC_SCHEMA_NAME)
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT schema_name, applied, error, seconds FROM {public}.pg_tenants_replay(%s, %s, %s::jsonb)",
                [schema_names, _path_tail(), replay.payload],
            )
            rows = cursor.fetchall()
    except Exception as exc:  # the batch as a whole failed (connection lost, ...): nothing was applied
        for outcome in outcomes.values():
            outcome.error = f"{type(exc).__name__}: {exc}".strip()
            outcome.seconds = time.monotonic() - started
        if not connection.in_atomic_block and not connection.is_usable():
            connection.close()
        return list(outcomes.values())
    send_post_migrate = post_migrate and needs_post_migrate(replay.plan)
    for name, applied, error, seconds in rows:
        outcome = outcomes[name]
        outcome.migrations = keys[:applied]
        outcome.error = error
        outcome.seconds = float(seconds)
        try:
            if outcome.migrations:
                schema_migrated.send(
                    sender=get_tenant_model(), schema_name=name, migrations=list(outcome.migrations), backwards=False
                )
            if send_post_migrate and error is None:
                with schema_context(name):
                    emit_post_migrate(replay.post_state.clone(), plans[name], using)
        except Exception as exc:  # a receiver failing in one schema must not stop the others
            outcome.error = outcome.error or f"{type(exc).__name__}: {exc}".strip()
    return list(outcomes.values())
