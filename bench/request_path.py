"""The request path: the same one-query tenant view under plain Django, django-tenants and ours.

Throughput and latency come from wrk on loopback against gunicorn (sync
workers) and uvicorn (ASGI), each with persistent connections and with
``CONN_MAX_AGE = 0``; the three projects are run in turn (A/B/C, the order
rotated every round) and the medians compared. Statements per request are
counted at the wire by :mod:`pgproxy` in a separate, unloaded run.
"""

from __future__ import annotations

import contextlib
import json
import statistics
from collections.abc import Iterator
from typing import Any

from harness import (
    DJT,
    OURS,
    PLAIN,
    PROJECTS,
    Project,
    Server,
    log,
    median_of,
    recreate_database,
    run_wrk,
    upstream_address,
)
from pgproxy import StatementCounter

TENANTS = 10
SERVERS = ("gunicorn", "uvicorn")
# (name, CONN_MAX_AGE, pool). Django does not support persistent connections
# under ASGI (each request's thread keeps its own, and they pile up until the
# server runs out), so uvicorn gets the psycopg pool instead.
CONNECTIONS = {
    "gunicorn": [("persistent", 600, False), ("per_request", 0, False)],
    "uvicorn": [("pooled", 0, True), ("per_request", 0, False)],
}


def setup_databases(projects: tuple[Project, ...] = PROJECTS, tenants: int = TENANTS) -> dict[str, Any]:
    """Fresh databases with the same tenants (``t0`` .. ``t9``) and one item each."""
    timings = {}
    for project in projects:
        recreate_database(project.database)
        timings[project.name] = json.loads(project.manage("bench_setup", "--tenants", str(tenants)).splitlines()[-1])
        log(f"{project.name}: database {project.database} ready ({timings[project.name]['seconds']:.1f} s)")
    return timings


@contextlib.contextmanager
def servers(kind: str, conn_max_age: int, pool: bool, workers: int = 2) -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    env = {"BENCH_DB_POOL": "1"} if pool else {}
    try:
        for project in PROJECTS:
            started[project.name] = Server(project, kind, workers=workers, conn_max_age=conn_max_age, **env).__enter__()
        yield started
    finally:
        for server in started.values():
            server.stop()


def throughput(
    *, rounds: int, duration: float, warmup: float, connections: int, kinds: tuple[str, ...] = SERVERS
) -> list[dict[str, Any]]:
    """Every (server, connection policy) scenario, the three projects alternated ``rounds`` times."""
    scenarios = []
    for kind in kinds:
        for policy, conn_max_age, pool in CONNECTIONS[kind]:
            log(f"request path: {kind}, {policy} connections")
            runs: dict[str, list[dict[str, Any]]] = {p.name: [] for p in PROJECTS}
            with servers(kind, conn_max_age, pool) as started:
                for server in started.values():
                    run_wrk(server, warmup, connections=connections)
                for number in range(rounds):
                    order = PROJECTS[number % 3 :] + PROJECTS[: number % 3]
                    for project in order:
                        result = run_wrk(started[project.name], duration, connections=connections)
                        result["round"] = number
                        runs[project.name].append(result)
                        log(
                            f"  round {number + 1}/{rounds} {project.name:5}: {result['rps']:7.0f} req/s, "
                            f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms"
                        )
            scenarios.append(summarise(kind, policy, conn_max_age, runs))
    return scenarios


def summarise(kind: str, policy: str, conn_max_age: int, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    medians = {
        name: {key: median_of(results, key) for key in ("rps", "p50_ms", "p90_ms", "p99_ms")}
        for name, results in runs.items()
    }
    plain = medians[PLAIN.name]["rps"]
    return {
        "server": kind,
        "connections": policy,
        "conn_max_age": conn_max_age,
        "median": medians,
        "ratio_to_plain": {name: m["rps"] / plain for name, m in medians.items()},
        "ours_vs_djt": medians[OURS.name]["rps"] / medians[DJT.name]["rps"],
        "errors": {name: sum(r["errors"] for r in results) for name, results in runs.items()},
        "runs": runs,
    }


def statements(requests: int = 20) -> list[dict[str, Any]]:
    """Statements the server runs per request, counted on the wire, per project and situation.

    ``same tenant``: the warm path, every request to one tenant on a kept connection.
    ``alternating tenants``: consecutive requests to two tenants on a kept connection.
    ``new connection``: ``CONN_MAX_AGE = 0``, one tenant.
    """
    host, port = upstream_address()
    counter = StatementCounter(host, port).start()
    situations = [
        ("same tenant", 600, ["t1.bench.test"]),
        ("alternating tenants", 600, ["t1.bench.test", "t2.bench.test"]),
        ("new connection", 0, ["t1.bench.test"]),
        ("pooled connection", -1, ["t1.bench.test"]),
    ]
    results = []
    try:
        for project in PROJECTS:
            for situation, conn_max_age, hosts in situations:
                env = {"BENCH_DB_PORT": str(counter.port)}
                if conn_max_age < 0:  # the psycopg pool (CONN_MAX_AGE must be 0 with it)
                    env["BENCH_DB_POOL"] = "1"
                server = Server(project, "gunicorn", workers=1, conn_max_age=max(conn_max_age, 0), **env)
                with server:
                    for i in range(10):
                        server.get(hosts[i % len(hosts)])
                    counter.reset()
                    for i in range(requests):
                        counter_before = len(counter.snapshot().statements)
                        server.get(hosts[i % len(hosts)])
                        if i == requests - 1:
                            last = counter.snapshot().statements[counter_before:]
                    tally = counter.snapshot()
                results.append(
                    {
                        "project": project.name,
                        "situation": situation,
                        "conn_max_age": conn_max_age,
                        "requests": requests,
                        "statements_per_request": len(tally.statements) / requests,
                        "connections_per_request": tally.connections / requests,
                        "last_request": [_shorten(sql) for sql in last],
                    }
                )
                log(f"statements: {project.name:5} {situation:20} {len(tally.statements) / requests:.2f} per request")
    finally:
        counter.stop()
    return results


def _shorten(sql: str) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= 90 else sql[:87] + "..."


def inprocess(*, quick: bool = False) -> dict[str, Any]:
    """Microseconds of CPU per request through each project's WSGI handler, no HTTP (alternated)."""
    import subprocess

    rounds = 1 if quick else 3
    env = {"BENCH_BATCHES": "3" if quick else "7", "BENCH_BATCH_SIZE": "500" if quick else "2000"}
    runs: dict[str, list[float]] = {p.name: [] for p in PROJECTS}
    cpu_runs: dict[str, list[float]] = {p.name: [] for p in PROJECTS}
    for number in range(rounds):
        for project in PROJECTS[number % 3 :] + PROJECTS[: number % 3]:
            output = subprocess.run(
                [str(project.python), str(project.directory.parent / "common" / "inprocess.py")],
                env=project.env(**env),
                cwd=project.directory,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            line = json.loads(output.splitlines()[-1])
            runs[project.name].append(line["us_per_request"])
            cpu_runs[project.name].append(line["cpu_us_per_request"])
    medians = {name: float(statistics.median(values)) for name, values in runs.items()}
    cpu = {name: float(statistics.median(values)) for name, values in cpu_runs.items()}
    for name in medians:
        log(f"in-process: {name:5} {medians[name]:7.1f} us per request (CPU {cpu[name]:6.1f} us)")
    return {
        "median_us": medians,
        "cpu_median_us": cpu,
        "overhead_us": {name: value - medians[PLAIN.name] for name, value in medians.items()},
        "cpu_overhead_us": {name: value - cpu[PLAIN.name] for name, value in cpu.items()},
        "runs_us": runs,
        "cpu_runs_us": cpu_runs,
    }
