"""Find out, once per process, whether a connection pooler sits in front of PostgreSQL.

In ``TENANT_SEARCH_PATH_MODE = "session"`` the backend trusts a ``SET
search_path`` for the rest of the connection. Behind a *transaction* pooler
(PgBouncer ``pool_mode = transaction``) that trust is wrong: the server
connection goes back to the pool at every commit and its path travels with it
to whichever client, and tenant, gets it next. So the first connection a
process opens to a database is checked, and a transaction pooler is refused
with a clear error instead of leaking silently.

How it is told, at the cost of one round trip per process on a direct
connection:

1. ``SELECT pg_backend_pid(), current_setting('search_path')`` on the new
   connection. A pooler hands the client a made-up process id (PgBouncer
   answers the start-up itself), so a server pid different from the one the
   driver was given means a pooler is in between. The search path read back
   also shows whether a ``-c search_path`` start-up option was honoured (some
   poolers drop it with ``ignore_startup_parameters``).
2. Only when a pooler was found: the first connection ends its transaction and
   a second, short-lived connection asks for ``pg_backend_pid()``. A session
   pooler cannot give it the first connection's server process, which that
   connection still owns; a transaction pooler hands back the server process
   it just got back (PgBouncer reuses the most recently released one). Same
   pid, then, proves transaction (or statement) pooling. A different pid is
   taken as session pooling. The second connection is driven without
   blocking and abandoned after a second, because a session pooler whose
   pool is full would make it wait.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal

logger = logging.getLogger("pg_tenants.core.backend")

PoolerKind = Literal["direct", "session", "transaction", "unknown"]

#: How long the second connection of the check may take before it is abandoned.
PROBE_TIMEOUT = 1.0

# Connection-independent keys of libpq that the second connection must share.
_LIBPQ_SKIP = {"cursor_factory", "context", "prepare_threshold", "pool", "client_encoding", "options"}


@dataclass(frozen=True, slots=True)
class PoolerReport:
    """What the check found for one database."""

    kind: PoolerKind
    #: ``True`` when a ``-c search_path=...`` start-up option was sent but not applied.
    startup_option_ignored: bool = False


_reports: dict[tuple[Any, ...], PoolerReport] = {}
_lock = threading.Lock()


def report_key(conn_params: dict[str, Any]) -> tuple[Any, ...]:
    """The database a set of connection parameters leads to."""
    return tuple(str(conn_params.get(k, "")) for k in ("host", "port", "dbname", "user", "service"))


def cached_report(conn_params: dict[str, Any]) -> PoolerReport | None:
    """The report of an earlier check in this process, if any."""
    return _reports.get(report_key(conn_params))


def forget_reports() -> None:
    """Drop every cached report (tests; a process that moves to another database)."""
    with _lock:
        _reports.clear()


def check_connection(raw: Any, conn_params: dict[str, Any], expected_search_path: str | None) -> PoolerReport:
    """Run the check on ``raw``, a new driver connection, and cache the report.

    ``expected_search_path`` is the ``search_path`` a start-up option asked
    for (``"a,public"``), or ``None`` when none was sent. The connection is left
    with no transaction open.
    """
    client_pid = _client_pid(raw)
    cursor = raw.cursor()
    try:
        cursor.execute("SELECT pg_backend_pid(), current_setting('search_path')")
        server_pid, search_path = cursor.fetchone()
    finally:
        cursor.close()
    if not raw.autocommit:
        raw.rollback()  # hands the server connection back to a transaction pooler
    ignored = expected_search_path is not None and _normalise(search_path) != _normalise(expected_search_path)
    if server_pid == client_pid:
        kind: PoolerKind = "direct"
    else:
        kind = _probe_second_connection(raw, conn_params, int(server_pid))
    report = PoolerReport(kind, ignored)
    with _lock:
        _reports[report_key(conn_params)] = report
    if ignored:
        logger.warning(
            "The search_path start-up option was not applied (a pooler's ignore_startup_parameters?): "
            "the path is sent with SET instead. Set TENANT_SEARCH_PATH_ON_CONNECT = False to skip the option."
        )
    return report


def _normalise(path: str) -> str:
    return ",".join(part.strip().strip('"') for part in path.split(","))


def _client_pid(raw: Any) -> int:
    info = getattr(raw, "info", None)
    if info is not None:  # psycopg 3
        return int(info.backend_pid)
    return int(raw.get_backend_pid())  # psycopg2


def _probe_second_connection(raw: Any, conn_params: dict[str, Any], server_pid: int) -> PoolerKind:
    params = {k: v for k, v in conn_params.items() if k not in _LIBPQ_SKIP and v is not None}
    try:
        # psycopg2 connections have an ``info`` too: tell the drivers apart by module.
        psycopg3 = type(raw).__module__.partition(".")[0] == "psycopg"
        other = _pid_psycopg3(params) if psycopg3 else _pid_psycopg2(params)
    except Exception as exc:  # the check must never break a working connection
        logger.warning("Could not tell which kind of connection pooler is in use: %r", exc)
        return "unknown"
    if other is None:
        return "session"  # made to wait for a server connection: the first one is still held
    return "transaction" if other == server_pid else "session"


def _text(message: str | bytes) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else message


def _wait(fileno: int, want_write: bool, deadline: float) -> bool:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    readable, writable, _ = select.select([] if want_write else [fileno], [fileno] if want_write else [], [], remaining)
    return bool(readable or writable)


def _pid_psycopg3(params: dict[str, Any]) -> int | None:
    from psycopg import pq
    from psycopg.conninfo import make_conninfo

    deadline = time.monotonic() + PROBE_TIMEOUT
    pgconn = pq.PGconn.connect_start(make_conninfo("", **params).encode())
    try:
        while True:
            status = pgconn.connect_poll()
            if status == pq.PollingStatus.OK:
                break
            if status == pq.PollingStatus.FAILED:
                raise RuntimeError(_text(pgconn.get_error_message()))
            if not _wait(pgconn.socket, status == pq.PollingStatus.WRITING, deadline):
                return None
        pgconn.send_query(b"SELECT pg_backend_pid()")
        while pgconn.flush():
            if not _wait(pgconn.socket, True, deadline):
                return None
        while True:
            pgconn.consume_input()
            if not pgconn.is_busy():
                break
            if not _wait(pgconn.socket, False, deadline):
                return None
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.TUPLES_OK:
            raise RuntimeError(_text(pgconn.get_error_message()))
        value = result.get_value(0, 0)
        return int(value) if value is not None else None
    finally:
        pgconn.finish()


def _pid_psycopg2(params: dict[str, Any]) -> int | None:
    psycopg2 = import_module("psycopg2")
    ext = import_module("psycopg2.extensions")

    deadline = time.monotonic() + PROBE_TIMEOUT
    conn = psycopg2.connect(ext.make_dsn(**params), async_=True)
    try:
        if not _poll2(conn, deadline):
            return None
        cursor = conn.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        if not _poll2(conn, deadline):
            return None
        row = cursor.fetchone()
        return int(row[0]) if row else None
    finally:
        conn.close()


def _poll2(conn: Any, deadline: float) -> bool:
    ext = import_module("psycopg2.extensions")
    while True:
        state = conn.poll()
        if state == ext.POLL_OK:
            return True
        if not _wait(conn.fileno(), state == ext.POLL_WRITE, deadline):
            return False
