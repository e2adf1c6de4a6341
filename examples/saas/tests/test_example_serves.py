"""The example starts the way its README says, and serves tenant pages and the admin.

The server runs as a user runs it (``python examples/saas/serve.py --port N``,
auto-reload on), in its own process group, against a fresh database created on
the server of ``DATABASE_URL`` (or the embedded one) and dropped afterwards.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from pg_tenants.core.testing.database import database_url

SERVE = Path(__file__).resolve().parents[1] / "serve.py"
REPO = Path(__file__).resolve().parents[3]
START_TIMEOUT = 45.0


def _sql(url: str, sql: str) -> Any:
    """Run one statement in autocommit (so CREATE/DROP DATABASE work) with whichever driver is installed.

    Returns the first value of its first row, ``None`` for statements without rows.
    """
    try:
        import psycopg
    except ImportError:
        import psycopg2

        conn = psycopg2.connect(url)
        conn.autocommit = True
        try:
            cursor = conn.cursor()
            cursor.execute(sql)
            return cursor.fetchone()[0] if cursor.description else None
        finally:
            conn.close()
    with psycopg.connect(url, autocommit=True) as connection:
        result = connection.execute(sql)  # type: ignore[arg-type]
        row = result.fetchone() if result.description else None
        return row[0] if row else None


@pytest.fixture(scope="module")
def example_database_url() -> Iterator[str]:
    """A new, empty database for the example on the test server."""
    server = database_url()
    name = f"pg_tenants_example_{os.getpid()}"
    _sql(server, f'DROP DATABASE IF EXISTS "{name}"')
    _sql(server, f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    _sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _count(url: str, sql: str) -> int:
    """One number from the example's database."""
    return int(_sql(url, sql))


def _get(
    port: int, host: str, path: str, *, body: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        method = "GET" if body is None else "POST"
        connection.request(method, path, body=body, headers={"Host": f"{host}:{port}", **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        connection.close()


class Example:
    """A running ``serve.py``, stopped by killing its process group."""

    def __init__(self, port: int, log: IO[str], process: subprocess.Popen[bytes]) -> None:
        self.port, self.log, self.process = port, log, process

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve.py exited with {self.process.returncode}:\n{self.output()}")
            if "Traceback (most recent call last)" in self.output():
                # runserver's child failed (e.g. a system check); the reloader would wait forever.
                pytest.fail(f"serve.py failed:\n{self.output()}")
            try:
                _get(self.port, "localhost", "/")
            except OSError:
                time.sleep(0.3)
                continue
            return
        pytest.fail(f"serve.py did not answer within {START_TIMEOUT:.0f} s:\n{self.output()}")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def serve(example_database_url: str, tmp_path: Path) -> Iterator[object]:
    started: list[Example] = []

    def start(*args: str) -> Example:
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": example_database_url, "PYTHONUNBUFFERED": "1"}
        env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest's sandbox settings are not the example's
        log = (tmp_path / f"serve-{port}.log").open("w+")
        process = subprocess.Popen(
            [sys.executable, str(SERVE), "--port", str(port), *args],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        example = Example(port, log, process)
        started.append(example)
        example.wait_until_serving()
        return example

    yield start
    for example in started:
        example.stop()
        example.log.close()


def test_subdomain_resolver_serves_tenants_and_admin(serve) -> None:
    example = serve()
    port = example.port
    printed = example.output()
    assert f"http://acme.localhost:{port}/" in printed
    assert f"http://localhost:{port}/admin/" in printed

    status, headers, _ = _get(port, "acme.localhost", "/")
    assert status == 302 and headers["location"].startswith("/login/")
    status, _, body = _get(port, "acme.localhost", "/login/")
    assert status == 200 and "Log in to Acme Corporation" in body
    status, _, body = _get(port, "globex.localhost", "/login/")
    assert status == 200 and "Log in to Globex" in body
    assert _get(port, "nobody.localhost", "/login/")[0] == 404

    status, _, body = _get(port, "localhost", "/admin/login/")
    assert status == 200 and 'name="username"' in body
    status, _, body = _get(port, "localhost", "/")
    assert status == 200 and f"http://acme.localhost:{port}/" in body


def test_path_resolver_serves_tenants_under_a_prefix(serve) -> None:
    example = serve("--resolver", "path")
    port = example.port
    assert f"http://localhost:{port}/t/acme/" in example.output()

    status, headers, _ = _get(port, "localhost", "/t/acme/")
    # The prefix stays in redirects: it lives in SCRIPT_NAME, not in the view's path.
    assert status == 302 and headers["location"].startswith("/t/acme/login/")
    status, _, body = _get(port, "localhost", "/t/acme/login/")
    assert status == 200 and "Log in to Acme Corporation" in body
    status, _, body = _get(port, "localhost", "/admin/login/")
    assert status == 200 and 'name="username"' in body


SPARES_SQL = "SELECT count(*) FROM pg_namespace WHERE obj_description(oid, 'pg_namespace') = 'pg_tenants spare schema'"


def test_sign_up_creates_a_working_tenant_from_a_spare_schema(serve, example_database_url: str) -> None:
    example = serve()
    port = example.port
    assert _count(example_database_url, SPARES_SQL) == 2  # serve.py's migrate_schemas made them

    status, headers, body = _get(port, "localhost", "/signup/")
    assert status == 200
    cookie = headers["set-cookie"].split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token is not None
    form = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "name": "Initech",
            "slug": "initech",
            "username": "peter",
            "email": "peter@initech.example",
            "password": "tps-report-cover-2",
        }
    )
    status, headers, body = _get(
        port,
        "localhost",
        "/signup/",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302, body
    assert headers["location"] == f"http://initech.localhost:{port}/login/?welcome=1"
    status, _, body = _get(port, "initech.localhost", "/login/?welcome=1")
    assert status == 200 and "Log in to Initech" in body

    # the sign-up took a spare; the server's background refill makes a new one
    deadline = time.monotonic() + 30
    while _count(example_database_url, SPARES_SQL) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _count(example_database_url, SPARES_SQL) == 2
    assert _count(example_database_url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'initech'") == 1
