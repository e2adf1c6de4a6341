"""Soak: the example SaaS under gunicorn (threads) and uvicorn (ASGI), tenants alternating, zero leaks.

The example (``examples/saas``) gets a database of its own, migrated and
loaded with its demo tenants (acme and globex, their users and notes), and is
served by a real server process. A load generator on loopback logs in to both
tenants, then alternates between them on keep-alive connections from several
threads. Every answer is checked: a tenant's notes page holds its own notes
and never the other tenant's, and a session cookie of one tenant presented to
the other is worth nothing (sessions live in the tenant's schema). Each server
gets its share of ``REQUESTS`` (20,000 in all), bounded by ``TIME_LIMIT`` seconds.
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
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from pg_tenants.core.testing.database import database_url

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "saas"
#: Requests per server, 20,000 over both; ASGI serves sync views from one thread per worker, so it
#: gets fewer to keep the whole soak near two minutes on two cores.
REQUESTS = {"gunicorn-threads": 14_000, "uvicorn-asgi": 6_000}
THREADS = 8
TIME_LIMIT = 150.0
#: What each demo tenant's notes page must show, and the user to log in as (load_demo's data).
TENANTS = {
    "acme": {"user": "alice", "notes": ["Order more rocket skates", "Quarterly anvil review"]},
    "globex": {"user": "hank", "notes": ["Hammock district plans"]},
}
PASSWORD = "demo"


def _execute(url: str, sql: str) -> None:
    """One statement outside a transaction (CREATE/DROP DATABASE) with whichever driver is installed."""
    try:
        import psycopg
    except ImportError:
        import psycopg2

        raw = psycopg2.connect(url)
        raw.autocommit = True
        try:
            raw.cursor().execute(sql)
        finally:
            raw.close()
        return
    with psycopg.connect(url, autocommit=True) as raw:
        raw.execute(sql)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: The example's settings as a production deployment would tune them: persistent connections,
#: which also make every connection serve both tenants one request after the other.
SOAK_SETTINGS = """
from saas.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 300  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
"""


def _example_env(url: str, port: int, settings_dir: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    env.update(DJANGO_SETTINGS_MODULE="saas.settings", EXAMPLE_DEBUG="0", EXAMPLE_PORT=str(port))
    paths = [str(EXAMPLE), str(REPO), env.get("PYTHONPATH", "")]
    if settings_dir is not None:
        (settings_dir / "soak_settings.py").write_text(SOAK_SETTINGS)
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


class Server:
    """A server process serving the example, stopped with its process group."""

    def __init__(self, command: list[str], url: str, log: Path) -> None:
        self.port = _free_port()
        self.log = log
        command = [arg.replace("{port}", str(self.port)) for arg in command]
        self._output = log.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=EXAMPLE,
            env=_example_env(url, self.port, log.parent),
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
    stop_at = time.monotonic() + TIME_LIMIT
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
        thread.join(TIME_LIMIT + 60)
    return {**counts, "seconds": round(time.monotonic() - started, 1), "samples": samples}


SERVERS = {
    "gunicorn-threads": [
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
    "uvicorn-asgi": [
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
}


@pytest.mark.slow
@pytest.mark.parametrize("server", list(SERVERS))
def test_example_served_under_load_never_shows_another_tenants_data(example_db, tmp_path, server):
    running = Server(SERVERS[server], example_db, tmp_path / f"{server}.log")
    try:
        result = soak(running.port, REQUESTS[server])
    finally:
        running.stop()
    print(server, result)
    assert result["leaks"] == 0, result["samples"]
    assert result["errors"] == 0, (result["samples"], running.log.read_text()[-3000:])
    assert result["ok"] + result["foreign_session_refused"] == REQUESTS[server], f"{result} within {TIME_LIMIT} s"
