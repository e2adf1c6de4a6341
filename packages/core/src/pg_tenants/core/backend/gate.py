"""The search-path gate: every statement a Django cursor sends passes it first.

:class:`GatedCursor` wraps the *driver* cursor that Django's ``create_cursor``
makes, so ``execute``, ``executemany``, ``callproc``, COPY (psycopg 3
``copy()``, psycopg 2 ``copy_expert`` / ``copy_from`` / ``copy_to``),
``stream()`` and server-side (named) cursors all reach the server through it,
and because Django calls the driver cursor inside ``wrap_database_errors``,
whatever the gate sends fails the way Django's own statements fail.

Before a statement, :class:`SearchPathGate` makes sure the session is on the
active schema's path, trusting, in this order:

1. **What the server says.** PostgreSQL 18 reports ``search_path`` to the
   client in ParameterStatus messages, after ``SET``, ``set_config``,
   ``SET LOCAL``, ``ROLLBACK``, ``DISCARD ALL`` alike; libpq keeps the last
   value, so reading it costs nothing. On a direct connection to such a server
   that value is the truth, and nothing needs to be remembered.
2. **What it sent, with care** (PostgreSQL 17 and older, or a pooler in
   between): a path set inside a transaction counts only once the transaction
   commits; a rollback, a savepoint rollback, a transaction ended by SQL text,
   a closed connection or a statement whose text may change the path
   (:mod:`.statements`) all forget it.

In ``TENANT_SEARCH_PATH_MODE = "transaction"`` (PgBouncer transaction pooling)
nothing outlives a transaction: the path is set with ``set_config(…, true)``
inside each one, and an autocommit statement carries it in the same round trip
(one simple-query string, which PostgreSQL runs as one implicit transaction).

The path is set with ``SELECT pg_catalog.set_config('search_path', …)`` joined
to a ``'<schema>'::regnamespace`` cast, so a schema that does not exist makes
the statement fail (:class:`~pg_tenants.core.exceptions.SchemaNotFound`)
instead of letting the tenant's tables resolve in ``public``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, NotSupportedError

from pg_tenants.core.exceptions import SchemaNotFound

from .statements import cannot_run_in_transaction, may_change_search_path, may_drop_schema, needs_no_search_path

if TYPE_CHECKING:
    from .base import DatabaseWrapper


_ClientCursor: type | None
try:
    from psycopg import ClientCursor as _ClientCursor
except ImportError:  # psycopg 2 only
    _ClientCursor = None

_INVALID_SCHEMA_NAME = "3F000"
_SIMPLE_NAME = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")

#: How long a schema that a path was set to counts as existing for the
#: start-up option of new connections (which cannot check it).
STARTUP_TRUST_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class SearchPath:
    """A search path and the statements that set it."""

    #: The first schema; the statements fail when it does not exist.
    schema_name: str
    #: The value as the server reports it after the statements (``acme,public``).
    value: str
    #: Sets it for the session.
    session_sql: str
    #: Sets it until the end of the transaction.
    local_sql: str


def _name(name: str) -> str:
    if name and set(name) <= _SIMPLE_NAME and not name[0].isdigit():
        return name
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=4096)
def search_path(names: tuple[str, ...]) -> SearchPath:
    """The :class:`SearchPath` for schema ``names``, in order."""
    value = ",".join(_name(n) for n in names).replace("'", "''")
    check = _name(names[0]).replace("'", "''")
    sql = "SELECT pg_catalog.set_config('search_path', '{}', {}), '{}'::pg_catalog.regnamespace"
    return SearchPath(names[0], value, sql.format(value, "false", check), sql.format(value, "true", check))


def _sqlstate(exc: BaseException | None) -> str | None:
    if exc is None:
        return None
    return getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)


class _Driver:
    """The two things the gate asks libpq, per driver, without a round trip."""

    def __init__(self, raw: Any) -> None:
        if hasattr(raw, "pgconn"):  # psycopg 3
            pgconn = raw.pgconn
            self.reported: Callable[[], str | None] = lambda: _decode(pgconn.parameter_status(b"search_path"))
            self.idle: Callable[[], bool] = lambda: pgconn.transaction_status == 0
            self.psycopg3 = True
        else:  # psycopg 2
            self.reported = lambda: raw.get_parameter_status("search_path")
            self.idle = lambda: raw.get_transaction_status() == 0
            self.psycopg3 = False


def _decode(value: bytes | None) -> str | None:
    return value.decode() if value is not None else None


class SearchPathGate:
    """Per-connection search-path state of one :class:`DatabaseWrapper`."""

    def __init__(self, db: DatabaseWrapper) -> None:
        self.db = db
        self._driver: _Driver | None = None
        #: ``True`` when the server reports ``search_path`` and no pooler is in between.
        self.server_reports = False
        # The path value the session is known to be on (when the server does not report it).
        self._confirmed: str | None = None
        # True when that path was set inside a transaction that has not committed yet.
        self._tentative = False
        # transaction mode: the path set with SET LOCAL in the current transaction.
        self._local: str | None = None
        #: Number of statements sent to set the path (tests, metrics).
        self.sets = 0
        #: Called with each :class:`SearchPath` sent (see ``pg_tenants.core.testing.CaptureSearchPath``).
        self.observers: list[Callable[[SearchPath], None]] = []

    # -- connection life ---------------------------------------------------------

    def connected(self, raw: Any, *, confirmed: str | None, trust_report: bool) -> None:
        """A new (or pooled) driver connection: learn what can be learned without a round trip."""
        self._driver = _Driver(raw)
        self.server_reports = trust_report and self._driver.reported() is not None
        self._confirmed = confirmed
        self._tentative = False
        self._local = None

    def forget(self) -> None:
        """The session's path is unknown from now on."""
        self._confirmed = None
        self._tentative = False
        self._local = None

    def disconnected(self) -> None:
        self.forget()
        self._driver = None

    def committed(self) -> None:
        self._tentative = False
        self._local = None

    def rolled_back(self) -> None:
        if self._tentative:
            self._confirmed = None
            self._tentative = False
        self._local = None

    @property
    def psycopg3(self) -> bool:
        return self._driver is not None and self._driver.psycopg3

    # -- the check ---------------------------------------------------------------------

    @property
    def transaction_mode(self) -> bool:
        return self.db.search_path_mode == "transaction"

    def wanted(self) -> SearchPath:
        return self.db.wanted_search_path()

    def ensure(self) -> None:
        """Send the active path unless the session is on it already."""
        path = self.wanted()
        driver = self._driver
        if driver is None:  # not connected: the statement itself will connect first
            self.db.ensure_connection()
            driver = self._driver
            assert driver is not None
        if self.transaction_mode:
            if driver.idle():  # no transaction open: whatever was set locally is gone
                self._local = None
            if self._local != path.value:
                self._send(path.local_sql, path)
                self._local = path.value
            return
        if self.server_reports:
            if driver.reported() != path.value:
                self._send(path.session_sql, path)
            return
        if self._tentative and driver.idle():
            # The transaction ended by SQL text, not through Django: committed or not?
            self.forget()
        if self._confirmed != path.value:
            self._send(path.session_sql, path)
            self._confirmed = path.value
            self._tentative = not self.db.connection.autocommit

    def observe(self, sql: Any) -> None:
        """After :meth:`ensure`, before ``sql`` is sent: forget the path if ``sql`` may change it."""
        if sql and may_drop_schema(sql):
            forget_schemas()  # new connections must check the schema again
        if self.server_reports and not self.transaction_mode:
            return  # the server will say
        if may_change_search_path(sql):
            self.forget()

    def _send(self, sql: str, path: SearchPath) -> None:
        db = self.db
        db.validate_no_broken_transaction()
        try:
            with db.wrap_database_errors, db.connection.cursor() as cursor:
                cursor.execute(sql)
        except DatabaseError as exc:
            self.forget()
            if _sqlstate(exc.__cause__) == _INVALID_SCHEMA_NAME:
                raise SchemaNotFound(path.schema_name) from exc
            raise
        self.notify(path)

    def notify(self, path: SearchPath) -> None:
        """``path`` was just set (the statement that set it succeeded)."""
        remember_schema(path.schema_name)
        self.sets += 1
        for observer in self.observers:
            observer(path)

    # -- transaction mode: statements outside a transaction ---------------------------

    def needs_own_transaction(self) -> bool:
        """In transaction mode, an autocommit statement must carry its path in its own transaction."""
        return self.transaction_mode and self.db.connection.autocommit

    @contextmanager
    def own_transaction(self) -> Iterator[None]:
        """A transaction for one autocommit operation (COPY, executemany, …) in transaction mode.

        Driven on the driver connection, not through Django's ``set_autocommit``
        and ``commit``: to Django (and ``connection.queries``) it stays the one
        autocommit operation it was asked for.
        """
        db = self.db
        raw = db.connection
        with db.wrap_database_errors:
            raw.autocommit = False
        try:
            self.ensure()
            yield
        except BaseException:
            self._local = None
            with db.wrap_database_errors:
                raw.rollback()
            raise
        else:
            self._local = None
            with db.wrap_database_errors:
                raw.commit()
        finally:
            with db.wrap_database_errors:
                raw.autocommit = True

    def refuse_outside_transaction(self, sql: Any) -> bool:
        """``True`` when ``sql`` needs no path and must be sent as it is; raise when it cannot be sent at all."""
        if needs_no_search_path(sql):
            return True
        if cannot_run_in_transaction(sql):
            raise NotSupportedError(
                "This statement cannot run inside a transaction, and with TENANT_SEARCH_PATH_MODE = "
                '"transaction" django-pg-tenants can only set the search path inside one (a session-level '
                "SET would follow the pooled server connection to other clients). Run it over a connection "
                'that does not go through the transaction pooler (a DATABASES entry with "TENANT_SEARCH_PATH_MODE": '
                '"session"), with schema-qualified names.'
            )
        return False


# -- schemas seen to exist ---------------------------------------------------------------

_seen: dict[str, float] = {}


def remember_schema(schema_name: str) -> None:
    """A path starting with ``schema_name`` was just set: the schema exists."""
    _seen[schema_name] = time.monotonic() + STARTUP_TRUST_SECONDS
    if len(_seen) > 10_000:
        _seen.clear()


def recently_seen(schema_name: str) -> bool:
    """Whether ``schema_name`` was seen to exist in the last :data:`STARTUP_TRUST_SECONDS`."""
    return _seen.get(schema_name, 0.0) > time.monotonic()


def forget_schemas() -> None:
    """Forget every schema seen (a schema was dropped or renamed in this process)."""
    _seen.clear()


# -- the cursor ----------------------------------------------------------------------------


class GatedCursor:
    """A driver cursor whose every statement passes the :class:`SearchPathGate` first.

    Anything not listed here (``fetchone``, ``description``, ``scroll``, …)
    goes to the driver cursor unchanged: fetching from a server-side cursor
    reads the plan made at ``DECLARE``, whatever the path is then.
    """

    def __init__(self, cursor: Any, db: DatabaseWrapper, *, named: bool = False) -> None:
        self._cursor = cursor
        self._db = db
        self._named = named
        # Characters of gate SQL ahead of the last statement (see the query properties).
        self._prefix_len = 0

    def __getattr__(self, name: str) -> Any:
        if name == "_cursor":  # not set yet (copy, pickle): do not recurse
            raise AttributeError(name)
        return getattr(self._cursor, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def __enter__(self) -> GatedCursor:
        self._cursor.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        return self._cursor.__exit__(*exc_info)

    def _result(self, result: Any) -> Any:
        # psycopg 3 returns the cursor itself: hand back this one, so a chained
        # call (cursor.execute(...).execute(...)) cannot step around the gate.
        return self if result is self._cursor else result

    def _passes(self) -> bool:
        return not self._db.in_transaction_control

    def _before(self, sql: Any) -> bool | None:
        """Make the path right for ``sql``.

        ``True`` when it must run in a transaction of its own (transaction
        mode, autocommit), ``None`` when it must be sent as it is.
        """
        gate = self._db.search_path_gate
        if gate.needs_own_transaction():
            if gate.refuse_outside_transaction(sql):
                return None
            if self._named:
                raise NotSupportedError(
                    "A server-side cursor outside a transaction is declared WITH HOLD and outlives it, which a "
                    'transaction pooler cannot keep: with TENANT_SEARCH_PATH_MODE = "transaction" set '
                    "DISABLE_SERVER_SIDE_CURSORS = True on this database, or iterate inside transaction.atomic()."
                )
            return True
        gate.ensure()
        gate.observe(sql)
        return False

    # -- statements --------------------------------------------------------------------

    def execute(self, query: Any, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        self._prefix_len = 0
        if not self._passes():
            return self._result(self._cursor.execute(query, params, *args, **kwargs))
        if not self._before(query):  # path set (False), or none needed (None)
            return self._result(self._cursor.execute(query, params, *args, **kwargs))
        if isinstance(query, str) and self._can_prefix:
            gate = self._db.search_path_gate
            path = gate.wanted()
            prefix = path.local_sql + "; "  # one simple-query string, one implicit transaction
            try:
                result = self._cursor.execute(prefix + query, params, *args, **kwargs)
            except Exception as exc:
                if _sqlstate(exc) == _INVALID_SCHEMA_NAME:
                    raise SchemaNotFound(path.schema_name) from exc
                raise
            self._prefix_len = len(prefix)
            gate.notify(path)
            if gate.psycopg3:
                self._cursor.nextset()  # the prefix's result comes first
            return self._result(result)
        with self._db.search_path_gate.own_transaction():
            return self._result(self._cursor.execute(query, params, *args, **kwargs))

    @property
    def _can_prefix(self) -> bool:
        # One simple-query string can carry two statements: psycopg 2 always
        # sends one, psycopg 3 only with client-side binding (Django's default).
        if self._named:
            return False
        psycopg3_cursor = hasattr(self._cursor, "_pgconn")
        return not psycopg3_cursor or (_ClientCursor is not None and isinstance(self._cursor, _ClientCursor))

    def _gated(self, sql: Any, call: Callable[[], Any]) -> Any:
        self._prefix_len = 0
        if not self._passes():
            return call()
        if self._before(sql):
            with self._db.search_path_gate.own_transaction():
                return call()
        return call()

    def executemany(self, query: Any, params_seq: Any, *args: Any, **kwargs: Any) -> Any:
        return self._result(self._gated(query, lambda: self._cursor.executemany(query, params_seq, *args, **kwargs)))

    def callproc(self, procname: Any, *args: Any, **kwargs: Any) -> Any:
        return self._gated(None, lambda: self._cursor.callproc(procname, *args, **kwargs))

    # psycopg 3
    def copy(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if self._passes() and self._before(statement):
            return self._copy_in_own_transaction(statement, args, kwargs)
        return self._cursor.copy(statement, *args, **kwargs)

    @contextmanager
    def _copy_in_own_transaction(self, statement: Any, args: Any, kwargs: Any) -> Iterator[Any]:
        with self._db.search_path_gate.own_transaction(), self._cursor.copy(statement, *args, **kwargs) as copy:
            yield copy

    def stream(self, query: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        if self._passes() and self._before(query):
            return self._stream_in_own_transaction(query, args, kwargs)
        return self._cursor.stream(query, *args, **kwargs)  # type: ignore[no-any-return]

    def _stream_in_own_transaction(self, query: Any, args: Any, kwargs: Any) -> Iterator[Any]:
        with self._db.search_path_gate.own_transaction():
            yield from self._cursor.stream(query, *args, **kwargs)

    # psycopg 2
    def copy_expert(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
        return self._gated(sql, lambda: self._cursor.copy_expert(sql, *args, **kwargs))

    def copy_from(self, *args: Any, **kwargs: Any) -> Any:
        return self._gated("", lambda: self._cursor.copy_from(*args, **kwargs))

    def copy_to(self, *args: Any, **kwargs: Any) -> Any:
        return self._gated("", lambda: self._cursor.copy_to(*args, **kwargs))

    # -- what Django logs as the last query: the statement, not the gate's prefix --------

    @property
    def query(self) -> Any:  # psycopg 2
        query = self._cursor.query
        return query[self._prefix_len :] if query is not None and self._prefix_len else query

    @property
    def _query(self) -> Any:  # psycopg 3
        query = self._cursor._query
        if query is None or not self._prefix_len or query.query is None:
            return query
        return SimpleNamespace(query=query.query[self._prefix_len :], params=getattr(query, "params", None))
