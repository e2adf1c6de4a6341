"""The scale curve: our request latency as the number of tenants grows (10 .. 10,000).

One database (``bench_scale``) grows step by step; after each step the ``ours``
project is served by gunicorn (2 workers, persistent connections) and loaded
twice: every request to one tenant (the warm path), and every request to a
random tenant among all of them (tenant-cache misses and ``SET search_path``
on most requests, PostgreSQL's catalog caches spread over N schemas).
"""

from __future__ import annotations

import json
from typing import Any

from harness import OURS, Project, Server, log, median_of, recreate_database, run_wrk

DATABASE = "bench_scale"


def scale_curve(
    steps: list[int], *, duration: float, warmup: float, rounds: int, connections: int
) -> list[dict[str, Any]]:
    project = Project(OURS.name, OURS.label, OURS.site)
    env = {"BENCH_DB_NAME": DATABASE}
    recreate_database(DATABASE)
    points = []
    for tenants in steps:
        setup = json.loads(project.manage("bench_setup", "--tenants", str(tenants), **env).splitlines()[-1])
        log(
            f"scale: {tenants} tenants ready, {setup['created']} created in {setup['seconds']:.1f} s "
            f"({setup['provision_method']})"
        )
        point: dict[str, Any] = {"tenants": tenants, "setup": setup}
        with Server(project, "gunicorn", workers=2, conn_max_age=600, **env) as server:
            for label, spread in (("one_tenant", 0), ("random_tenant", tenants)):
                run_wrk(server, warmup, connections=connections, tenants=spread)
                runs = [run_wrk(server, duration, connections=connections, tenants=spread) for _ in range(rounds)]
                point[label] = {key: median_of(runs, key) for key in ("rps", "p50_ms", "p90_ms", "p99_ms")}
                point[label]["errors"] = sum(run["errors"] for run in runs)
                log(
                    f"  {label:13}: {point[label]['rps']:7.0f} req/s, p50 {point[label]['p50_ms']:.2f} ms, "
                    f"p99 {point[label]['p99_ms']:.2f} ms"
                )
        points.append(point)
    return points
