"""Per-task cost of django-pg-tenants-celery against plain Celery, on the same real worker.

Starts the sandbox worker (prefork, two processes, Redis) twice, once with the
package's signal handlers disconnected, sends the same tasks from inside a
tenant to each and prints the time per task and the ratio:

    DATABASE_URL=postgres://... hatch run test.py3.11-5.2-psycopg3:python bench/celery_overhead.py [N]

``noop`` measures the propagation alone; ``schema_name`` reads the active
schema in the task. Neither touches the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")

import django  # noqa: E402

django.setup()

from celery.result import ResultSet  # noqa: E402

from pg_tenants.core import schema_context  # noqa: E402
from sandbox.tooling.celery_worker import celery_worker  # noqa: E402


def per_task(app: object, name: str, count: int) -> float:
    """Seconds per task, sent in a tenant and waited for, best of three rounds."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with schema_context("bench_tenant"):
            results = [app.send_task(name) for _ in range(count)]  # type: ignore[attr-defined]
        ResultSet(results).join(timeout=300)
        best = min(best, (time.perf_counter() - start) / count)
    return best


NAMES = ("sandbox.noop", "sandbox.schema_name")


def measure(count: int, label: str) -> None:
    """One worker (``plain`` or ``pg_tenants``); prints its timings as ``name seconds`` lines."""
    extra = {"SANDBOX_CELERY_PLAIN": "1"} if label == "plain" else {}
    with celery_worker(os.environ.get("SANDBOX_TEST_DB", "postgres"), **extra) as worker:
        for name in NAMES:
            print(name, per_task(worker.app, name, count))


def main(count: int) -> None:
    # One process per worker: a Celery app keeps its broker and result connections once used.
    timings: dict[str, dict[str, float]] = {}
    for label in ("plain", "pg_tenants"):
        out = subprocess.run(
            [sys.executable, __file__, str(count), label], capture_output=True, text=True, check=True
        ).stdout
        timings[label] = {name: float(seconds) for name, seconds in (line.split() for line in out.splitlines())}
    for name in NAMES:
        plain, ours = timings["plain"][name], timings["pg_tenants"][name]
        times = f"plain {plain * 1e3:7.3f} ms/task  pg_tenants {ours * 1e3:7.3f} ms/task"
        print(f"{name:22} {times}  ratio {ours / plain:5.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        measure(int(sys.argv[1]), sys.argv[2])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
