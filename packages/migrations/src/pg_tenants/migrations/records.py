"""``django_migrations`` rows of migrations that never ran in their schema: found, and removed.

Django's ``migrate`` records every migration of its plan, even one whose
operations the router skipped, and so did ``migrate_schemas`` before schemas
ran only their side's migrations (:class:`.graph.SchemaSide`). A tenant schema
migrated that way holds rows for every shared app, without their tables; when
such an app is later added to ``TENANT_APPS`` (or a tenant app to
``SHARED_APPS``, for public), the rows say "applied" and nothing would ever
create the tables: the app's queries would then reach public's tables through
the search path.

At the start of each phase, ``migrate_schemas`` looks for such rows: an app of
the side whose latest migration recorded in a schema leaves the app with a
table, while none of the tables the app's models have ever had (by the model
states of its migrations) exists in the schema. That app's rows in that schema
are removed, so the schema is behind and the app is migrated as usual; the
output says so. One catalog query covers every schema of the phase, and finds
nothing once each app's tables exist. An app whose migrations leave it no table
Django knows of (``RunSQL`` only, unmanaged models, every model deleted again)
cannot be told apart this way and is left alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import truncate_name
from django.db.migrations.state import ModelState, ProjectState

from pg_tenants.core.validation import quote_identifier

from .graph import Key, MigrationGraphSnapshot

#: Schemas per query when their rows are read.
_BATCH = 100


@dataclass(frozen=True, slots=True)
class AppTables:
    """The tables one app's migrations give it, as far as the migration graph tells."""

    #: Every table name the app's models have had, in any state along the graph.
    tables: frozenset[str]
    #: The migrations after which the app has at least one table (and those their squashes replace).
    with_tables: frozenset[Key]
    #: Where each of the app's migrations (and those its squashes replace) comes in the apply order.
    order: dict[Key, int]

    def leaves_tables(self, recorded: set[Key]) -> bool:
        """Whether the latest of ``recorded`` (the app's rows in one schema) leaves the app with a table."""
        known = [key for key in recorded if key in self.order]
        return bool(known) and max(known, key=self.order.__getitem__) in self.with_tables


def _table_of(model: ModelState, max_length: int) -> str | None:
    """The table ``model`` has in the database, or ``None`` when migrations create none for it."""
    options = model.options
    if options.get("proxy") or not options.get("managed", True):
        return None
    swappable = options.get("swappable")
    if swappable and str(getattr(settings, swappable, "")).lower() != f"{model.app_label}.{model.name_lower}":
        return None  # swapped out: this project never creates its table
    table = options.get("db_table") or truncate_name(f"{model.app_label}_{model.name_lower}", max_length)
    return None if '"' in table else str(table)


def app_tables(snapshot: MigrationGraphSnapshot, using: str = DEFAULT_DB_ALIAS) -> dict[str, AppTables]:
    """Per app label, the tables its migrations make; computed once per graph.

    Apps left without a table at the end of the graph are left out.
    """
    max_length = connections[using].ops.max_name_length() or 63
    return snapshot.memo(("app_tables", max_length), lambda: _compute_app_tables(snapshot, max_length))


def _compute_app_tables(snapshot: MigrationGraphSnapshot, max_length: int) -> dict[str, AppTables]:
    loader = snapshot.loader
    state = ProjectState(real_apps=loader.unmigrated_apps)
    tables: defaultdict[str, set[str]] = defaultdict(set)
    with_tables: defaultdict[str, set[Key]] = defaultdict(set)
    order: defaultdict[str, dict[Key, int]] = defaultdict(dict)
    last: dict[str, bool] = {}
    for position, key in enumerate(snapshot.full_plan):
        migration = loader.graph.nodes[key]
        migration.mutate_state(state, preserve=False)  # no rendering: states only
        app = key[0]
        keys = [key, *migration.replaces]
        order[app].update(dict.fromkeys(keys, position))
        now = {
            table
            for (label, _), model in state.models.items()
            if label == app and (table := _table_of(model, max_length)) is not None
        }
        last[app] = bool(now)
        if now:
            tables[app] |= now
            with_tables[app].update(keys)
    return {
        app: AppTables(frozenset(names), frozenset(with_tables[app]), order[app])
        for app, names in tables.items()
        if last[app]
    }


# Hash joins over the catalog: one pass over the phase's schemas' relations, whatever their number.
_ABSENT_SQL = """
WITH wanted(app, tbl) AS (SELECT * FROM unnest(%s::text[], %s::text[])),
schemas(name) AS (SELECT * FROM unnest(%s::text[])),
present AS (
    SELECT DISTINCT s.name, w.app
    FROM wanted w
    JOIN pg_class c ON c.relname = w.tbl AND c.relkind IN ('r', 'p')
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN schemas s ON s.name = n.nspname
)
SELECT s.name, a.app
FROM schemas s
CROSS JOIN (SELECT DISTINCT app FROM wanted) AS a(app)
WHERE to_regclass(format('%%I.django_migrations', s.name)) IS NOT NULL
AND NOT EXISTS (SELECT 1 FROM present p WHERE p.name = s.name AND p.app = a.app)
"""


def find_false_records(
    schema_names: list[str], snapshot: MigrationGraphSnapshot, using: str = DEFAULT_DB_ALIAS
) -> dict[str, list[str]]:
    """Schema → labels of its side's apps it has recorded migrations of although none of their tables exists.

    The schemas are all on one side. One catalog query; the rows of schemas
    lacking an app's tables are then read, ``_BATCH`` schemas per query.
    """
    if not schema_names:
        return {}
    side = snapshot.side(schema_names[0], using)
    known = {app: info for app, info in app_tables(snapshot, using).items() if app in side.apps}
    if not known:
        return {}
    pairs = [(app, table) for app, info in sorted(known.items()) for table in sorted(info.tables)]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_ABSENT_SQL, [[app for app, _ in pairs], [table for _, table in pairs], schema_names])
        absent: defaultdict[str, list[str]] = defaultdict(list)
        for schema_name, app in cursor.fetchall():
            absent[schema_name].append(app)
    found: dict[str, list[str]] = {}
    names = sorted(absent)
    for start in range(0, len(names), _BATCH):
        batch = names[start : start + _BATCH]
        queries = [
            f"SELECT %s::text, app, name FROM {quote_identifier(name)}.django_migrations WHERE app = ANY(%s)"
            for name in batch
        ]
        params: list[str | list[str]] = []
        for name in batch:
            params += [name, absent[name]]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(queries), params)
            rows = cursor.fetchall()
        recorded: defaultdict[tuple[str, str], set[Key]] = defaultdict(set)
        for schema_name, app, migration_name in rows:
            recorded[schema_name, app].add((app, migration_name))
        for (schema_name, app), keys in sorted(recorded.items()):
            if known[app].leaves_tables(keys):
                found.setdefault(schema_name, []).append(app)
    return {name: found[name] for name in schema_names if name in found}


def remove_records(schema_name: str, app_labels: list[str], using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete every ``django_migrations`` row of these apps in ``schema_name``."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote_identifier(schema_name)}.django_migrations WHERE app = ANY(%s)", [app_labels]
        )
