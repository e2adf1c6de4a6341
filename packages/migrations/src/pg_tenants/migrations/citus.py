"""Citus schema-based sharding: every tenant a distributed schema that Citus can place and move.

With the ``citus`` extension installed and ``citus.enable_schema_based_sharding``
on, Citus makes each ``CREATE SCHEMA`` a *distributed schema* and each
top-level ``CREATE TABLE`` in it a single-shard table, co-located with the
schema's other tables on one node; ``citus_schema_move`` moves such a schema
to another node. Tables made inside a function are not converted: Citus only
looks at top-level statements, so a template clone (one PL/pgSQL call) would
leave a distributed schema whose tables are plain tables on the coordinator,
which Citus refuses to move.

So on Citus the library clones into a *regular* schema (the setting turned off
for that one statement, in the caller's transaction) and then distributes it
with ``citus_schema_distribute``, which makes every table of the copy a
single-shard table of one new co-location group and re-creates its foreign
keys. A spare schema is such a copy already, and claiming it is a rename,
which Citus carries to the node that holds it. Migrations run through Django's
executor (top-level DDL, which Citus sends to the node); the SQL replay, one
function call per batch, is off.

Tables of a distributed schema may only reference tables of the same schema or
*reference tables* (copied to every node). :func:`ensure_reference_tables`
turns the shared tables that tenant tables point at (and what those point at)
into reference tables; ``migrate_schemas`` calls it after migrating public, and
:func:`foreign_key_problems` names the foreign keys Citus cannot keep.

Nothing here runs on a server without Citus: :func:`citus_sharding` answers
``False`` there, and every caller falls back to the plain paths.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.routers import shared_app_labels, tenant_app_labels
from pg_tenants.core.validation import quote_identifier, validate_schema_name

#: The setting that makes Citus distribute new schemas.
SHARDING_SETTING = "citus.enable_schema_based_sharding"

#: The setting that makes Citus add a local table with a foreign key to a reference table to its metadata.
LOCAL_REFERENCE_KEYS_SETTING = "citus.enable_local_reference_table_foreign_keys"

#: Why a Citus command cannot run on a plain PostgreSQL.
NOT_CITUS = (
    "The database is not a Citus coordinator: the citus extension is not installed in it "
    "(see the guide 'Outgrowing one server')."
)


class CitusError(Exception):
    """A Citus operation that cannot go ahead; the message names the cause and the fix."""


@dataclass(frozen=True, slots=True)
class CitusState:
    """What the server says about Citus on one connection."""

    #: The extension's version, ``None`` without the extension.
    version: str | None
    #: Whether ``citus.enable_schema_based_sharding`` is on for this session.
    schema_sharding: bool


def citus_state(using: str = DEFAULT_DB_ALIAS) -> CitusState:
    """The extension's version and the sharding setting, read once per database session."""
    connection = connections[using]
    connection.ensure_connection()
    session = id(connection.connection)
    cached = getattr(connection, "_pg_tenants_citus", None)
    if cached is not None and cached[0] == session:
        return cached[1]  # type: ignore[no-any-return]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'citus'), current_setting(%s, true)",
            [SHARDING_SETTING],
        )
        version, setting = cursor.fetchone()
    state = CitusState(version=version, schema_sharding=version is not None and setting == "on")
    connection._pg_tenants_citus = (session, state)  # type: ignore[attr-defined]
    return state


def citus_sharding(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``using`` is a Citus coordinator with schema-based sharding on."""
    return citus_state(using).schema_sharding


def forget_citus_state(using: str = DEFAULT_DB_ALIAS) -> None:
    """Read the state again on next use (after ``SET citus.enable_schema_based_sharding`` by hand)."""
    connection = connections[using]
    if hasattr(connection, "_pg_tenants_citus"):
        del connection._pg_tenants_citus


@contextmanager
def regular_schemas(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside a transaction: schemas created in the block are regular ones (sharding off until the block ends)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise CitusError("regular_schemas() needs a transaction (the setting is changed with SET LOCAL).")
    # Foreign keys to reference tables stay plain constraints meanwhile: by default Citus turns a
    # table that gets one into a "citus local" table (a shard of its own), which distributing the
    # schema then undoes, at twice the cost.
    names = [SHARDING_SETTING, LOCAL_REFERENCE_KEYS_SETTING]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s), current_setting(%s), set_config(%s, 'off', true), set_config(%s, 'off', true)",
            names + names,
        )
        saved = cursor.fetchone()[:2]
    try:
        yield
    finally:
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
                    [names[0], saved[0], names[1], saved[1]],
                )


def distribute_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """``citus_schema_distribute``: make a regular schema distributed, its tables single-shard tables."""
    validate_schema_name(schema_name)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT citus_schema_distribute(%s::regnamespace)", [quote_identifier(schema_name)])


def drop_local_copies(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Free the coordinator's copy of rows that distributing ``schema_name`` moved into shards.

    ``citus_schema_distribute`` copies each table's rows into its shard and
    leaves the originals on the coordinator's disk, invisible;
    ``truncate_local_data_after_distributing_table`` removes them. Tables with
    no local rows are skipped.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT truncate_local_data_after_distributing_table(c.oid) FROM pg_class c "
            "JOIN pg_dist_partition p ON p.logicalrelid = c.oid "
            "WHERE c.relnamespace = to_regnamespace(%s) AND c.relkind = 'r' AND pg_relation_size(c.oid) > 0",
            [quote_identifier(schema_name)],
        )


def is_distributed_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether Citus lists ``schema_name`` as a distributed schema."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_dist_schema WHERE schemaid = to_regnamespace(%s))",
            [quote_identifier(schema_name)],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


#: Schemas of a list that Citus cannot move as they are, with whether each is a distributed schema.
_UNPLACEABLE = """
    SELECT n.nspname, EXISTS (SELECT 1 FROM pg_dist_schema d WHERE d.schemaid = n.oid)
    FROM pg_namespace n
    WHERE n.nspname = ANY(%s)
      AND (NOT EXISTS (SELECT 1 FROM pg_dist_schema d WHERE d.schemaid = n.oid)
           OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p')
                      AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)))
    ORDER BY n.nspname
"""


def _unplaceable(schema_names: list[str], using: str) -> list[tuple[str, bool]]:
    with connections[using].cursor() as cursor:
        cursor.execute(_UNPLACEABLE, [schema_names])
        return [(name, bool(distributed)) for name, distributed in cursor.fetchall()]


def unplaceable_schemas(schema_names: list[str], using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Those of ``schema_names`` that Citus cannot move: regular schemas, or distributed ones with local tables.

    A regular schema was made before Citus (or with sharding off); a
    distributed schema with plain tables was filled inside a function, as a
    template clone by a library without Citus support does.
    """
    return [name for name, _ in _unplaceable(schema_names, using)]


def distribute_tenant_schemas(schema_names: list[str], using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Make those of ``schema_names`` that Citus cannot move (:func:`unplaceable_schemas`) placeable; return them.

    A regular schema is distributed. A distributed schema with local tables
    (Citus cannot undistribute those) is copied with its rows into a regular
    schema, which is distributed, and takes the old one's place. Each in a
    transaction of its own, so one that Citus refuses (a foreign key it cannot
    keep, say) leaves the others done and is named in the error.
    """
    if not citus_sharding(using):
        raise CitusError(f"Citus schema-based sharding is off: set {SHARDING_SETTING} = on on the coordinator first.")
    ensure_reference_tables(using)
    done: list[str] = []
    for name, distributed in _unplaceable(schema_names, using):
        try:
            with transaction.atomic(using=using):
                if distributed:
                    _rebuild(name, using)
                else:
                    distribute_schema(name, using)
        except Exception as exc:
            before = ", ".join(done) or "none"
            raise CitusError(f"Citus refused to distribute {name!r}: {exc} (distributed before it: {before}).") from exc
        done.append(name)
    return done


def _rebuild(schema_name: str, using: str) -> None:
    """Replace ``schema_name`` by a distributed copy of it with its rows and sequences, in the open transaction."""
    from .cloning import clone_schema  # cloning uses this module

    validate_schema_name(schema_name)
    temporary = f"_pgt_rebuild_{zlib.crc32(schema_name.encode()):08x}"
    if clone_schema(schema_name, temporary, using=using, with_data=True) is None:
        raise CitusError(f"Schema {schema_name!r} could not be copied (are the library's SQL functions installed?).")
    with connections[using].cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {quote_identifier(schema_name)} CASCADE")
        cursor.execute(f"ALTER SCHEMA {quote_identifier(temporary)} RENAME TO {quote_identifier(schema_name)}")


# -- reference tables ---------------------------------------------------------------------


def reference_models() -> list[type[Model]]:
    """Shared models whose tables must be reference tables, referenced ones first.

    The shared-only models that a tenant model's foreign key (or many-to-many
    table) points at, and, since a reference table may only point at reference
    tables, every shared model those point at in turn.
    """
    shared, tenant = shared_app_labels(), tenant_app_labels()

    def shared_only(model: type[Model]) -> bool:
        label = model._meta.app_label
        return label in shared and label not in tenant

    def targets(model: type[Model]) -> list[type[Model]]:
        found: list[type[Model]] = []
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model is not None):
                continue
            if not getattr(field, "db_constraint", True):
                continue
            related = field.related_model
            concrete = None if isinstance(related, str) else related._meta.concrete_model
            if concrete is not None:
                found.append(concrete)
        return found

    wanted: list[type[Model]] = []
    seen: set[type[Model]] = set()

    def visit(model: type[Model]) -> None:
        if model in seen:
            return
        seen.add(model)
        for target in targets(model):
            if target is not model:
                visit(target)
        wanted.append(model)  # after what it references

    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in tenant or not model._meta.managed:
            continue
        for target in targets(model):
            if shared_only(target) and target._meta.managed:
                visit(target)
    return wanted


#: A table's Citus kind from ``pg_dist_partition`` alone. Not the ``citus_tables`` view: it asks every
#: node for sizes, over new connections that wait on this transaction's locks.
_TABLE_KIND = """
    CASE WHEN p.logicalrelid IS NULL THEN NULL
         WHEN p.partmethod = 'n' AND p.repmodel = 't' THEN 'reference'
         WHEN p.partmethod = 'n' AND p.colocationid = 0 THEN 'local'
         ELSE 'distributed' END
"""


def _table_kinds(tables: list[str], using: str) -> dict[str, str | None]:
    """Each public table's Citus kind (``"reference"``, ``"local"``…, ``None``: a plain table; missing: no table)."""
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT t, {_TABLE_KIND} FROM unnest(%s::text[]) AS t "
            "CROSS JOIN LATERAL (SELECT to_regclass(quote_ident(%s) || '.' || quote_ident(t)) AS oid) x "
            "LEFT JOIN pg_dist_partition p ON p.logicalrelid = x.oid WHERE x.oid IS NOT NULL",
            [tables, public],
        )
        return dict(cursor.fetchall())


def ensure_reference_tables(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Make the tables of :func:`reference_models` reference tables; return the ones converted now.

    A table that does not exist yet (its app not migrated) is left for the next
    run. Each conversion copies the table to every node (``create_reference_table``).
    """
    tables = [model._meta.db_table for model in reference_models()]
    if not tables:
        return []
    kinds = _table_kinds(tables, using)
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    converted = []
    for table in tables:
        if table not in kinds or kinds[table] == "reference":
            continue
        if kinds[table] not in (None, "local"):
            raise CitusError(
                f"{public}.{table} is a {kinds[table]} Citus table, but tenant tables reference it: "
                "it must be a reference table. Undistribute it (undistribute_table) and run migrate_schemas again."
            )
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            qualified = f"{quote_identifier(public)}.{quote_identifier(table)}"
            cursor.execute("SELECT create_reference_table(%s::regclass)", [qualified])
            # The rows were copied to every node; the coordinator's original is only on disk now.
            cursor.execute("SELECT truncate_local_data_after_distributing_table(%s::regclass)", [qualified])
        converted.append(table)
    return converted


def foreign_key_problems(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The foreign keys in the database that Citus cannot keep for tenant schemas, each as a sentence.

    From a table of a tenant (or the template, or a spare) schema to a table of
    another schema that is not a reference table, and from any other schema
    into a tenant schema's table.
    """
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            SELECT con.conname, src_ns.nspname, src.relname, dst_ns.nspname, dst.relname,
                   EXISTS (SELECT 1 FROM pg_dist_schema d WHERE d.schemaid = src_ns.oid) AS from_tenant
            FROM pg_constraint con
            JOIN pg_class src ON src.oid = con.conrelid JOIN pg_namespace src_ns ON src_ns.oid = src.relnamespace
            JOIN pg_class dst ON dst.oid = con.confrelid JOIN pg_namespace dst_ns ON dst_ns.oid = dst.relnamespace
            WHERE con.contype = 'f' AND src_ns.oid <> dst_ns.oid
              AND (
                (EXISTS (SELECT 1 FROM pg_dist_schema d WHERE d.schemaid = src_ns.oid)
                 AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
                                 WHERE p.logicalrelid = dst.oid AND p.partmethod = 'n' AND p.repmodel = 't'))
                OR EXISTS (SELECT 1 FROM pg_dist_schema d WHERE d.schemaid = dst_ns.oid)
              )
            ORDER BY 2, 3, 1
            """
        )
        rows = cursor.fetchall()
    problems = []
    for name, src_ns, src, dst_ns, dst, from_tenant in rows:
        where = f"{src_ns}.{src} -> {dst_ns}.{dst} (constraint {name})"
        if from_tenant and dst_ns == public:
            problems.append(
                f"{where}: a tenant table references a shared table that is not a reference table; "
                "run migrate_schemas so the library converts it, or drop the constraint (db_constraint=False)."
            )
        elif from_tenant:
            problems.append(f"{where}: a tenant table references another schema's table, which Citus cannot keep.")
        else:
            problems.append(f"{where}: only a tenant table may reference a tenant table on Citus.")
    return problems


# -- placement and moves ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one distributed schema lives."""

    schema_name: str
    #: ``host:port`` of the node holding its tables, ``None`` when it has none yet.
    node: str | None
    size_bytes: int
    tables: int


def tenant_placements(schema_names: list[str] | None = None, using: str = DEFAULT_DB_ALIAS) -> list[Placement]:
    """Each distributed schema (or those named), with its node, size and table count, by name."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname,
                   (SELECT s.nodename || ':' || s.nodeport FROM citus_shards s
                    WHERE s.colocation_id = d.colocationid ORDER BY s.shardid LIMIT 1),
                   coalesce((SELECT sum(s.shard_size) FROM citus_shards s WHERE s.colocation_id = d.colocationid), 0),
                   (SELECT count(*) FROM pg_dist_partition p WHERE p.colocationid = d.colocationid)
            FROM pg_dist_schema d JOIN pg_namespace n ON n.oid = d.schemaid
            WHERE %s::text[] IS NULL OR n.nspname = ANY(%s::text[])
            ORDER BY n.nspname
            """,
            [schema_names, schema_names],
        )
        return [Placement(name, node, int(size), int(tables)) for name, node, size, tables in cursor.fetchall()]


@dataclass(frozen=True, slots=True)
class Node:
    """A Citus node that can hold tenant schemas."""

    host: str
    port: int
    #: Whether it is the coordinator (group 0).
    coordinator: bool

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def shard_nodes(using: str = DEFAULT_DB_ALIAS) -> list[Node]:
    """The active primary nodes that may hold shards, coordinator first."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT nodename, nodeport, groupid = 0 FROM pg_dist_node "
            "WHERE isactive AND noderole = 'primary' AND shouldhaveshards ORDER BY groupid, nodeid"
        )
        return [Node(host, int(port), bool(coordinator)) for host, port, coordinator in cursor.fetchall()]


def find_node(spec: str, using: str = DEFAULT_DB_ALIAS) -> Node:
    """The node that ``spec`` names: ``host:port``, or a host that only one node has."""
    nodes = shard_nodes(using)
    host, sep, port = spec.rpartition(":")
    if sep and port.isdigit():
        matches = [n for n in nodes if n.host == host and n.port == int(port)]
    else:
        matches = [n for n in nodes if n.host == spec]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(str(n) for n in nodes) or "none"
    if not matches:
        raise CitusError(f"No Citus node that can hold tenants is {spec!r}; nodes: {known}.")
    raise CitusError(f"{spec!r} names several nodes ({known}): give host:port.")


@dataclass(frozen=True, slots=True)
class Move:
    """A tenant move, planned or done."""

    schema_name: str
    source: str | None
    target: str
    size_bytes: int
    tables: int
    #: Seconds the move took, ``None`` for a dry run or a tenant already there.
    seconds: float | None = None

    @property
    def needed(self) -> bool:
        """Whether the schema is not on the target already."""
        return self.source != self.target


def plan_move(schema_name: str, target: str, using: str = DEFAULT_DB_ALIAS) -> Move:
    """What moving ``schema_name`` to the node ``target`` names would do, without doing it."""
    validate_schema_name(schema_name)
    if not citus_state(using).version:
        raise CitusError(NOT_CITUS)
    node = find_node(target, using)
    found = tenant_placements([schema_name], using)
    if not found:
        raise CitusError(
            f"Schema {schema_name!r} is not a distributed schema: create the tenant with "
            "citus.enable_schema_based_sharding on, or distribute it with citus_schema_distribute."
        )
    place = found[0]
    if place.tables == 0:
        raise CitusError(f"Schema {schema_name!r} has no distributed tables, so Citus has nothing to move.")
    return Move(schema_name, place.node, str(node), place.size_bytes, place.tables)


def move_tenant_schema(
    schema_name: str, target: str, *, transfer_mode: str = "auto", using: str = DEFAULT_DB_ALIAS
) -> Move:
    """Move a tenant's schema to another node with ``citus_schema_move``; the move as done.

    ``transfer_mode`` is Citus' ``shard_transfer_mode``: ``auto`` and
    ``force_logical`` keep the tenant writable during the copy (logical
    replication), ``block_writes`` blocks its writes meanwhile. Runs outside a
    transaction (the move commits on its own).
    """
    if transfer_mode not in ("auto", "force_logical", "block_writes"):
        raise CitusError(f"transfer mode must be auto, force_logical or block_writes, not {transfer_mode!r}.")
    # Before planning, which asks every node for shard sizes: refuse before any work.
    if connections[using].in_atomic_block:
        raise CitusError("A tenant move cannot run inside a transaction: citus_schema_move commits on its own.")
    move = plan_move(schema_name, target, using)
    if not move.needed:
        return move
    host, _, port = move.target.rpartition(":")
    started = time.monotonic()
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT citus_schema_move(%s::regnamespace, %s, %s, %s::citus.shard_transfer_mode)",
            [quote_identifier(schema_name), host, int(port), transfer_mode],
        )
    seconds = round(time.monotonic() - started, 3)
    return Move(move.schema_name, move.source, move.target, move.size_bytes, move.tables, seconds)


@dataclass(frozen=True, slots=True)
class MoveProgress:
    """One reading of a running move: bytes of the tenant's shards on the source, and copied to the target so far."""

    source_bytes: int
    copied_bytes: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.copied_bytes / self.source_bytes)) if self.source_bytes else 0


@contextmanager
def watch_move(
    schema_name: str, report: Callable[[MoveProgress], None], *, interval: float = 1.0, using: str = DEFAULT_DB_ALIAS
) -> Iterator[None]:
    """While the block runs a move of ``schema_name``, call ``report`` with its progress every ``interval`` seconds.

    Reads ``get_rebalance_progress()`` from a thread of its own (so over a
    connection of its own); a reading that has not changed is not reported.
    """
    stop = threading.Event()

    def poll() -> None:
        connection = connections[using]
        last = None
        try:
            while not stop.wait(interval):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT coalesce(sum(source_shard_size), 0), coalesce(sum(target_shard_size), 0) "
                        "FROM get_rebalance_progress() p JOIN pg_dist_partition d ON d.logicalrelid = p.table_name "
                        "WHERE d.colocationid = (SELECT colocationid FROM pg_dist_schema "
                        "WHERE schemaid = to_regnamespace(%s))",
                        [quote_identifier(schema_name)],
                    )
                    source, copied = cursor.fetchone()
                reading = MoveProgress(int(source), int(copied))
                if reading.source_bytes and reading != last:
                    report(reading)
                    last = reading
        finally:
            connection.close()

    thread = threading.Thread(target=poll, name=f"pg-tenants-move-{schema_name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
