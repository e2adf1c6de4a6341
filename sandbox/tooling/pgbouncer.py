"""Start a throw-away PgBouncer in front of a test database.

    with PgBouncer(database_url(), pool_mode="transaction", pool_size=3) as bouncer:
        url = bouncer.url("test_db")   # postgres://postgres@127.0.0.1:<port>/test_db

The ``pgbouncer`` binary must be installed (Debian: ``apt-get install
pgbouncer``). It runs as a child process with a generated ini file in a
temporary directory, on a free loopback port, with ``auth_type = trust`` for
the listed users, and is stopped on exit. Nothing system-wide is used or
changed. PgBouncer refuses to run as root; when the tests run as root it is
started as the owner of the database's socket directory (the embedded
server's user) or ``nobody``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from pg_tenants.core.testing.database import database_settings

#: Where Debian puts the binary, for when /usr/sbin is not on PATH.
_CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def pgbouncer_binary() -> str:
    """Path of the ``pgbouncer`` executable; a clear error when it is not installed."""
    for candidate in _CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise RuntimeError("pgbouncer is not installed: apt-get install pgbouncer (or put it on PATH).")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgBouncer:
    """A PgBouncer child process in front of the server of ``server_url``."""

    def __init__(
        self,
        server_url: str,
        *,
        pool_mode: str = "transaction",
        pool_size: int = 3,
        max_client_conn: int = 400,
        users: tuple[str, ...] = ("postgres",),
        extra: dict[str, str] | None = None,
    ) -> None:
        self.server = database_settings(server_url)
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self.max_client_conn = max_client_conn
        self.users = users
        self.extra = extra or {}
        self.port = 0
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    # -- life cycle --------------------------------------------------------------

    def __enter__(self) -> PgBouncer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Write the configuration, start PgBouncer and wait until it accepts connections."""
        self.directory = Path(tempfile.mkdtemp(prefix="pg_tenants_pgbouncer_"))
        self.directory.chmod(0o755)
        self.port = _free_port()
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(self._ini())
        (self.directory / "users.txt").write_text("".join(f'"{user}" ""\n' for user in self.users))
        for path in self.directory.iterdir():
            path.chmod(0o644)
        command = [pgbouncer_binary()]
        if os.geteuid() == 0:
            command += ["-u", self._run_as()]
        command.append(str(ini))
        self._log = (self.directory / "stderr.log").open("wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited with {self.process.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pgbouncer did not listen on port {self.port} within 15 s:\n{self.log()}")

    def stop(self) -> None:
        """Stop PgBouncer (closing every client and server connection) and delete its directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    # -- what tests use ----------------------------------------------------------

    def url(self, dbname: str | None = None, user: str = "postgres") -> str:
        """A ``postgres://`` URL that reaches ``dbname`` through this PgBouncer."""
        return f"postgres://{user}@127.0.0.1:{self.port}/{dbname or self.server['NAME']}"

    def log(self) -> str:
        """What PgBouncer printed so far."""
        if self.directory is None or not (self.directory / "stderr.log").exists():
            return ""
        return (self.directory / "stderr.log").read_text(errors="replace")

    # -- helpers -------------------------------------------------------------------

    def _ini(self) -> str:
        host = self.server["HOST"] or "127.0.0.1"
        port = self.server["PORT"] or "5432"
        settings = {
            "listen_addr": "127.0.0.1",
            "listen_port": str(self.port),
            "unix_socket_dir": "",
            "auth_type": "trust",
            "auth_file": str(self.directory / "users.txt") if self.directory else "",
            "pool_mode": self.pool_mode,
            "default_pool_size": str(self.pool_size),
            "min_pool_size": "0",
            "reserve_pool_size": "0",
            "max_client_conn": str(self.max_client_conn),
            "max_db_connections": str(self.pool_size * 4),
            "server_lifetime": "3600",
            "server_idle_timeout": "60",
            "query_wait_timeout": "30",
            "ignore_startup_parameters": "extra_float_digits",
            "admin_users": self.users[0],
            "log_connections": "0",
            "log_disconnections": "0",
            **self.extra,
        }
        lines = ["[databases]", f"* = host={host} port={port}", "", "[pgbouncer]"]
        lines += [f"{key} = {value}" for key, value in settings.items()]
        return "\n".join(lines) + "\n"

    def _run_as(self) -> str:
        host = self.server["HOST"]
        if host.startswith("/"):
            owner = pwd.getpwuid(os.stat(host).st_uid).pw_name
            if owner != "root":
                return owner
        return "nobody"
