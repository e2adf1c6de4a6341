"""Behind a real PgBouncer: our transaction mode against plain Django, same pooler, same run.

``python bench/run.py --only pgbouncer`` starts PgBouncer (``pgbouncer`` on the PATH
or in /usr/sbin; Debian: ``apt-get install pgbouncer``) in front of the server of
``DATABASE_URL`` twice, as child processes on free loopback ports:

- ``pool_mode = transaction``: plain Django, and ours with
  ``TENANT_SEARCH_PATH_MODE = "transaction"`` (the set-up the PgBouncer guide
  describes). The server connection goes back to the pool at the end of every
  transaction, so the path is set inside each one; an autocommit statement
  carries ``set_config('search_path', …, true)`` in the same query string.
- ``pool_mode = session``, for context: django-tenants (it has no transaction
  mode: its session-level ``SET search_path`` would follow the server connection
  to other clients), ours in the default session mode, and plain Django again
  (the baseline for those two: a session pool costs less per request than a
  transaction pool, which hands a server connection out and back per transaction).

gunicorn, 2 sync workers, with ``CONN_MAX_AGE = 600`` (a client connection to
PgBouncer kept by each worker) and ``0`` (a new client connection per request,
which PgBouncer answers itself, without a new server process). The variants run
one after the other in every round, the order rotated.

Statements are counted in a separate, unloaded run with one worker by two
``pgproxy`` counters, one on each side of PgBouncer: between Django and PgBouncer
(what the client sends: one per round trip it waits for) and between PgBouncer
and PostgreSQL (what the server receives, including anything PgBouncer adds
itself, such as the ``SET`` of a client's tracked parameters when it is given a
different server connection). The second is the one reported as "statements".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import DJT, OURS, PLAIN, Project, Server, free_port, log, median_of, run_wrk, upstream_address
from pgproxy import StatementCounter

_CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def pgbouncer_binary() -> str | None:
    for candidate in _CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def pgbouncer_version() -> str:
    binary = pgbouncer_binary()
    if binary is None:
        return "?"
    output = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    return output.splitlines()[0] if output else "?"


class PgBouncer:
    """A throw-away PgBouncer child process (``auth_type = trust``) in front of ``host:port``."""

    def __init__(self, host: str, port: int, *, pool_mode: str, pool_size: int = 4) -> None:
        self.upstream = (host, port)
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self.port = 0
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PgBouncer:
        binary = pgbouncer_binary()
        if binary is None:
            raise RuntimeError("pgbouncer is not installed: apt-get install pgbouncer (or put it on the PATH).")
        self.directory = Path(tempfile.mkdtemp(prefix="bench_pgbouncer_"))
        self.directory.chmod(0o755)
        self.port = free_port()
        settings = {
            "listen_addr": "127.0.0.1",
            "listen_port": str(self.port),
            "unix_socket_dir": "",
            "auth_type": "trust",
            "auth_file": str(self.directory / "users.txt"),
            "pool_mode": self.pool_mode,
            "default_pool_size": str(self.pool_size),
            "min_pool_size": "0",
            "reserve_pool_size": "0",
            "max_client_conn": "400",
            "server_lifetime": "3600",
            "server_idle_timeout": "600",
            "ignore_startup_parameters": "extra_float_digits",
            "log_connections": "0",
            "log_disconnections": "0",
            "log_pooler_errors": "1",
        }
        lines = ["[databases]", f"* = host={self.upstream[0]} port={self.upstream[1]}", "", "[pgbouncer]"]
        lines += [f"{key} = {value}" for key, value in settings.items()]
        (self.directory / "pgbouncer.ini").write_text("\n".join(lines) + "\n")
        (self.directory / "users.txt").write_text('"postgres" ""\n')
        for path in self.directory.iterdir():
            path.chmod(0o644)
        command = [binary]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            command += ["-u", "nobody"]
        command.append(str(self.directory / "pgbouncer.ini"))
        log_path = self.directory / "stderr.log"
        with log_path.open("wb") as logfile:
            self.process = subprocess.Popen(command, stdout=logfile, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited with {self.process.returncode}:\n{log_path.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"pgbouncer did not listen on {self.port} within 15 s")

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


@dataclass(frozen=True)
class Variant:
    """One project in one PgBouncer pool mode."""

    key: str
    project: Project
    pool_mode: str
    label: str
    env: tuple[tuple[str, str], ...] = ()


VARIANTS = (
    Variant("plain", PLAIN, "transaction", "plain Django, pool_mode = transaction"),
    Variant(
        "ours",
        OURS,
        "transaction",
        'django-pg-tenants, TENANT_SEARCH_PATH_MODE = "transaction", pool_mode = transaction',
        (("BENCH_SEARCH_PATH_MODE", "transaction"),),
    ),
    # PgBouncer 1.18 refuses the "options" start-up parameter that carries the
    # path on connect (the PgBouncer guide): TENANT_SEARCH_PATH_ON_CONNECT = False.
    Variant(
        "ours_session",
        OURS,
        "session",
        "django-pg-tenants, session mode, pool_mode = session (context)",
        (("BENCH_SEARCH_PATH_ON_CONNECT", "0"),),
    ),
    Variant("plain_session", PLAIN, "session", "plain Django, pool_mode = session (context)"),
    Variant("djt", DJT, "session", "django-tenants, pool_mode = session (context)"),
)
POLICIES = (("persistent", 600), ("per_request", 0))


@contextlib.contextmanager
def bouncers(host: str, port: int) -> Iterator[dict[str, PgBouncer]]:
    with (
        PgBouncer(host, port, pool_mode="transaction") as transaction,
        PgBouncer(host, port, pool_mode="session") as session,
    ):
        yield {"transaction": transaction, "session": session}


def _server(variant: Variant, bouncer: PgBouncer, conn_max_age: int, workers: int) -> Server:
    env = {"BENCH_DB_PORT": str(bouncer.port), "BENCH_PGBOUNCER": "1", **dict(variant.env)}
    return Server(variant.project, "gunicorn", workers=workers, conn_max_age=conn_max_age, **env)


def throughput(*, rounds: int, duration: float, warmup: float, connections: int) -> list[dict[str, Any]]:
    host, port = upstream_address()
    scenarios = []
    with bouncers(host, port) as pools:
        for policy, conn_max_age in POLICIES:
            log(f"pgbouncer: gunicorn, CONN_MAX_AGE = {conn_max_age}")
            runs: dict[str, list[dict[str, Any]]] = {v.key: [] for v in VARIANTS}
            started: dict[str, Server] = {}
            try:
                for variant in VARIANTS:
                    server = _server(variant, pools[variant.pool_mode], conn_max_age, workers=2)
                    started[variant.key] = server.__enter__()
                for server in started.values():
                    run_wrk(server, warmup, connections=connections)
                for number in range(rounds):
                    shift = number % len(VARIANTS)
                    for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                        result = run_wrk(started[variant.key], duration, connections=connections)
                        result["round"] = number
                        runs[variant.key].append(result)
                        log(
                            f"  round {number + 1}/{rounds} {variant.key:12}: {result['rps']:7.0f} req/s, "
                            f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms"
                        )
            finally:
                for server in started.values():
                    server.stop()
            scenarios.append(_summarise(policy, conn_max_age, runs))
    return scenarios


def _summarise(policy: str, conn_max_age: int, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    medians = {
        key: {k: median_of(results, k) for k in ("rps", "p50_ms", "p90_ms", "p99_ms")} for key, results in runs.items()
    }
    # Each variant against plain Django through a PgBouncer of the same pool mode.
    modes = {v.key: v.pool_mode for v in VARIANTS}
    baselines = {v.pool_mode: v.key for v in VARIANTS if v.project is PLAIN}
    baseline = {key: baselines[modes[key]] for key in runs}

    def paired(key: str, against: str) -> float:
        by_round = {run["round"]: run["rps"] for run in runs[against]}
        return float(statistics.median(r["rps"] / by_round[r["round"]] for r in runs[key]))

    return {
        "server": "gunicorn",
        "connections": policy,
        "conn_max_age": conn_max_age,
        "median": medians,
        "baseline": baseline,
        "ratio_to_plain": {key: m["rps"] / medians["plain"]["rps"] for key, m in medians.items()},
        "paired_ratio_to_plain": {key: paired(key, "plain") for key in runs},
        "ratio_to_baseline": {key: medians[key]["rps"] / medians[baseline[key]]["rps"] for key in runs},
        "paired_ratio_to_baseline": {key: paired(key, baseline[key]) for key in runs},
        "errors": {key: sum(r["errors"] for r in results) for key, results in runs.items()},
        "runs": runs,
    }


def statements(requests: int = 20) -> list[dict[str, Any]]:
    """Per variant and connection policy: what crosses each side of PgBouncer per warm request."""
    host, port = upstream_address()
    server_side = StatementCounter(host, port).start()
    results = []
    try:
        with bouncers("127.0.0.1", server_side.port) as pools:
            for variant in VARIANTS:
                bouncer = pools[variant.pool_mode]
                client_side = StatementCounter("127.0.0.1", bouncer.port).start()
                try:
                    for policy, conn_max_age in POLICIES:
                        env = {"BENCH_DB_PORT": str(client_side.port), "BENCH_PGBOUNCER": "1", **dict(variant.env)}
                        server = Server(variant.project, "gunicorn", workers=1, conn_max_age=conn_max_age, **env)
                        with server:
                            for _ in range(10):
                                server.get("t1.bench.test")
                            client_side.reset()
                            server_side.reset()
                            for i in range(requests):
                                before = len(server_side.snapshot().statements)
                                before_client = len(client_side.snapshot().statements)
                                server.get("t1.bench.test")
                                if i == requests - 1:
                                    last = server_side.snapshot().statements[before:]
                                    last_client = client_side.snapshot().statements[before_client:]
                            server_tally, client_tally = server_side.snapshot(), client_side.snapshot()
                        results.append(
                            {
                                "variant": variant.key,
                                "connections": policy,
                                "conn_max_age": conn_max_age,
                                "requests": requests,
                                "statements_per_request": len(server_tally.statements) / requests,
                                "client_messages_per_request": len(client_tally.statements) / requests,
                                "client_connections_per_request": client_tally.connections / requests,
                                "server_connections_per_request": server_tally.connections / requests,
                                "last_request": [_shorten(sql) for sql in last],
                                "last_request_client": [_shorten(sql) for sql in last_client],
                            }
                        )
                        log(
                            f"pgbouncer statements: {variant.key:12} {policy:11} "
                            f"server {len(server_tally.statements) / requests:.2f}, "
                            f"client {len(client_tally.statements) / requests:.2f} per request"
                        )
                finally:
                    client_side.stop()
    finally:
        server_side.stop()
    return results


def _shorten(sql: str) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= 140 else sql[:137] + "..."
