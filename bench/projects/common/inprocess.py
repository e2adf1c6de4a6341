"""Time the project's WSGI handler in-process: CPU per request without HTTP or load tool.

Run inside a project's venv (``bench/run.py --only inprocess`` does it). Calls
the WSGI application directly with a ``GET /item/`` environ for ``t1``, against
the real database over a kept connection, and prints one JSON line: median
microseconds per request over several batches, wall clock and this process's
CPU time. The CPU time leaves out PostgreSQL's share and, mostly, other work on
the machine: a quiet, sensitive complement to the wrk numbers.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from typing import Any


def environ(host: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/item/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def main() -> None:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    batches = int(os.environ.get("BENCH_BATCHES", "7"))
    size = int(os.environ.get("BENCH_BATCH_SIZE", "2000"))
    host = os.environ.get("BENCH_HOST", "t1.bench.test")
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses.append(status)

    def call() -> None:
        body = application(environ(host), start_response)
        b"".join(body)
        body.close()

    for _ in range(200):
        call()
    if not statuses[-1].startswith("200"):
        raise SystemExit(f"GET /item/ for {host} answered {statuses[-1]}")
    wall, cpu = [], []
    for _ in range(batches):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(size):
            call()
        wall.append((time.perf_counter() - start) / size * 1e6)
        cpu.append((time.process_time() - start_cpu) / size * 1e6)
    print(
        json.dumps(
            {
                "us_per_request": statistics.median(wall),
                "cpu_us_per_request": statistics.median(cpu),
                "batches_us": wall,
                "batches_cpu_us": cpu,
                "size": size,
            }
        )
    )


if __name__ == "__main__":
    main()
