"""Soak: the example SaaS under gunicorn (threads) and uvicorn (ASGI), tenants alternating, zero leaks.

The example (``examples/saas``) gets a database of its own, migrated and
loaded with its demo tenants (acme and globex, their users and notes), and is
served by a real server process. A load generator on loopback logs in to both
tenants, then alternates between them on keep-alive connections from several
threads. Every answer is checked: a tenant's notes page holds its own notes
and never the other tenant's, and a session cookie of one tenant presented to
the other is worth nothing (sessions live in the tenant's schema). Each server
gets its share of ``REQUESTS`` (20,000 in all); ``HANG_LIMIT`` only stops a server that hangs,
and may hold only as many database connections as its threads or pools need.
The server's output (Django logs errors to stderr here) is kept, and the first
traceback in it is part of any failure message.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from pg_tenants.core.testing.database import database_url

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "saas"
#: Requests per server, 20,000 over both; ASGI serves sync views from one thread per worker, so it
#: gets fewer to keep the whole soak near two minutes on two cores.
REQUESTS = {"gunicorn-threads": 14_000, "uvicorn-asgi": 6_000}
THREADS = 8
#: Not a speed target (speed lives in bench/): a soak that has not finished by then has hung.
#: About 80 requests/s per server on a 2-core machine make the soak 2-4 minutes.
HANG_LIMIT = 900.0
#: What each demo tenant's notes page must show, and the user to log in as (load_demo's data).
TENANTS = {
    "acme": {"user": "alice", "notes": ["Order more rocket skates", "Quarterly anvil review"]},
    "globex": {"user": "hank", "notes": ["Hammock district plans"]},
}
PASSWORD = "demo"


def _connect(url: str) -> Any:
    """An autocommit DB-API connection with whichever driver is installed."""
    try:
        import psycopg
    except ImportError:
        import psycopg2

        raw = psycopg2.connect(url)
        raw.autocommit = True
        return raw
    return psycopg.connect(url, autocommit=True)


def _execute(url: str, sql: str) -> None:
    """One statement outside a transaction (CREATE/DROP DATABASE)."""
    raw = _connect(url)
    try:
        raw.cursor().execute(sql)
    finally:
        raw.close()


class ConnectionWatch:
    """The most client connections the database ``name`` had at once, sampled from another database."""

    def __init__(self, server_url: str, name: str) -> None:
        self.server_url = server_url
        self.name = name
        self.peak = 0
        self.samples = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ConnectionWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        try:
            raw = _connect(self.server_url)
            try:
                cursor = raw.cursor()
                while not self._stop.wait(0.1):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
                        [self.name],
                    )
                    self.peak = max(self.peak, int(cursor.fetchone()[0]))
                    self.samples += 1
            finally:
                raw.close()
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: With DEBUG off, Django's default logging sends a 500's traceback to mail_admins only: write it to
#: stderr, which the test keeps, so that a failed request names its cause in the assertion message.
LOGGING_SETTINGS = """
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"}},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "pg_tenants": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
"""

#: The example's settings as a production deployment would tune them for each kind of server.
#: Under WSGI threads: persistent connections, which also make every connection serve both
#: tenants one request after the other.
WSGI_SETTINGS = """
from saas.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 300  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
"""
#: Under ASGI, Django does not support persistent connections: every request runs its sync code in
#: a thread of its own, whose connection outlives it (closed only when garbage collected), so they
#: pile up until PostgreSQL refuses new ones ("too many clients already") and requests fail with
#: 500. Django's connection pool is what it recommends there (psycopg 3); with psycopg2 there is
#: none, and each request opens and closes its own connection. Pooled connections, too, serve both
#: tenants one request after the other.
ASGI_SETTINGS = """
from saas.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
try:
    import psycopg  # noqa: F401
    import psycopg_pool  # noqa: F401
except ImportError:
    pass
else:
    DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": 4, "timeout": 30}  # noqa: F405
"""


def _example_env(url: str, port: int, settings_dir: Path | None = None, settings: str = "") -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    env.update(DJANGO_SETTINGS_MODULE="saas.settings", EXAMPLE_DEBUG="0", EXAMPLE_PORT=str(port))
    paths = [str(EXAMPLE), str(REPO), env.get("PYTHONPATH", "")]
    if settings_dir is not None:
        (settings_dir / "soak_settings.py").write_text(settings + LOGGING_SETTINGS)
        env["DJANGO_SETTINGS_MODULE"] = "soak_settings"
        paths.insert(0, str(settings_dir))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


@pytest.fixture(scope="module")
def example_db() -> Iterator[str]:
    """A database for the example, migrated and loaded with the demo tenants."""
    server = database_url()
    name = f"pg_tenants_soak_{os.getpid()}"
    _execute(server, f'DROP DATABASE IF EXISTS "{name}"')
    _execute(server, f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    env = _example_env(url, 8000)
    for command in (["migrate_schemas", "--verbosity", "0"], ["load_demo"]):
        subprocess.run(
            [sys.executable, str(EXAMPLE / "manage.py"), *command], cwd=EXAMPLE, env=env, check=True, timeout=180
        )
    yield url
    _execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_output(log: Path, limit: int = 6000) -> str:
    """What the server wrote (its stdout and stderr): from the first traceback on, else the tail."""
    text = log.read_text(errors="replace")
    first = text.find("Traceback (most recent call last)")
    if first < 0:
        return text[-limit:]
    # Start at the line before, which names the request (Django) or the failure (the server).
    start = text.rfind("\n", 0, max(text.rfind("\n", 0, first), 0)) + 1
    excerpt = text[start : start + limit]
    tracebacks = text.count("Traceback (most recent call last)")
    return f"{tracebacks} traceback(s) in {log}; the first:\n{excerpt}"


class Server:
    """A server process serving the example, stopped with its process group."""

    def __init__(self, command: list[str], settings: str, url: str, log: Path) -> None:
        self.port = _free_port()
        self.log = log
        command = [arg.replace("{port}", str(self.port)) for arg in command]
        self._output = log.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=EXAMPLE,
            env=_example_env(url, self.port, log.parent, settings),
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited:\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"server did not listen:\n{log.read_text()}")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        finally:
            self._output.close()


class Browser:
    """One keep-alive HTTP connection and a cookie jar per tenant."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, dict[str, str]] = {slug: {} for slug in TENANTS}

    def request(
        self, slug: str, method: str, path: str, body: dict[str, str] | None = None, cookies_of: str | None = None
    ) -> tuple[int, dict[str, str], str]:
        jar = self.cookies[cookies_of or slug]
        headers = {"Host": f"{slug}.localhost:{self.port}"}
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.http.request(method, path, body=data, headers=headers)
                response = self.http.getresponse()
                break
            except (http.client.HTTPException, OSError):
                # The server closed an idle keep-alive connection: open a new one, once.
                self.http.close()
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                if cookies_of is None:
                    jar[key] = morsel.value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def log_in(self, slug: str) -> None:
        status, _, page = self.request(slug, "GET", "/login/")
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        form = {"username": TENANTS[slug]["user"], "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        status, headers, page = self.request(slug, "POST", "/login/", form)
        assert status == 302 and "sessionid" in self.cookies[slug], (status, page[:500])


def soak(port: int, requests: int) -> dict[str, object]:
    lock = threading.Lock()
    counts = {"ok": 0, "leaks": 0, "errors": 0, "foreign_session_refused": 0}
    samples: list[str] = []
    remaining = [requests]
    stop_at = time.monotonic() + HANG_LIMIT
    others = {"acme": "globex", "globex": "acme"}

    def record(kind: str, detail: str = "") -> None:
        with lock:
            counts[kind] += 1
            if detail and len(samples) < 10:
                samples.append(detail)

    def take() -> bool:
        with lock:
            if remaining[0] <= 0 or time.monotonic() > stop_at:
                return False
            remaining[0] -= 1
            return True

    def client(n: int) -> None:
        browser = Browser(port)
        try:
            for slug in TENANTS:
                browser.log_in(slug)
            i = n
            while take():
                i += 1
                slug = "acme" if i % 2 else "globex"
                other = others[slug]
                if i % 25 == 0:  # the other tenant's session cookie, here: must be worth nothing
                    status, headers, _ = browser.request(slug, "GET", "/", cookies_of=other)
                    if status == 302 and "/login/" in headers.get("location", ""):
                        record("foreign_session_refused")
                    elif status >= 400:  # refused, but not as it should be: a failure, not a leak
                        record("errors", f"{other}'s session at {slug}: {status}")
                    else:
                        record("leaks", f"{other}'s session at {slug}: {status}")
                    continue
                status, _, page = browser.request(slug, "GET", "/")
                if status != 200:
                    record("errors", f"{slug}: {status} {page[:200]}")
                elif all(t in page for t in TENANTS[slug]["notes"]) and not any(
                    t in page for t in TENANTS[other]["notes"]
                ):
                    record("ok")
                else:
                    record("leaks", f"{slug} page: {page[:300]}")
        except Exception as exc:  # collected, not lost in the thread
            record("errors", f"thread {n}: {exc!r}")
        finally:
            browser.http.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_LIMIT + 60)
    return {**counts, "seconds": round(time.monotonic() - started, 1), "samples": samples}


#: Each server's command line, its settings, and the most connections it may hold to the database.
#: Both keep at most 8 open: gunicorn one per thread (2 workers x 4 threads), uvicorn its pools
#: (2 workers x 4), or with psycopg2 one per request in flight (8 clients). Twice that is allowed,
#: for backends of just-closed connections still exiting; the per-request connections that ASGI
#: leaks with ``CONN_MAX_AGE > 0`` go far beyond (80 and more within a minute).
SERVERS: dict[str, tuple[list[str], str, int]] = {
    "gunicorn-threads": (
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            "127.0.0.1:{port}",
            "--keep-alive",
            "30",
            "django.core.wsgi:get_wsgi_application()",
        ],
        WSGI_SETTINGS,
        2 * 8,
    ),
    "uvicorn-asgi": (
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "django.core.asgi:get_asgi_application",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            "2",
            "--no-access-log",
            "--timeout-keep-alive",
            "30",
        ],
        ASGI_SETTINGS,
        2 * 8,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("server", list(SERVERS))
def test_example_served_under_load_never_shows_another_tenants_data(example_db, tmp_path, server):
    command, settings, max_connections = SERVERS[server]
    running = Server(command, settings, example_db, tmp_path / f"{server}.log")
    try:
        with ConnectionWatch(database_url(), urlsplit(example_db).path.lstrip("/")) as connections:
            result = soak(running.port, REQUESTS[server])
    finally:
        running.stop()
    print(server, result, f"peak connections: {connections.peak}")
    assert result["leaks"] == 0, f"{result['samples']}\n{server_output(running.log)}"
    assert result["errors"] == 0, f"{result['samples']}\n{server_output(running.log)}"
    assert connections.error is None and connections.samples > 0, f"connections not watched: {connections.error!r}"
    assert connections.peak <= max_connections, (
        f"{connections.peak} connections at once (at most {max_connections} expected): they leak, and PostgreSQL "
        f"will refuse new ones under a longer load\n{server_output(running.log)}"
    )
    assert result["ok"] + result["foreign_session_refused"] == REQUESTS[server], f"{result} within {HANG_LIMIT} s"
