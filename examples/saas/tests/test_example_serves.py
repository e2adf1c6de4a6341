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


class Visitor:
    """A browser's worth of state for one host: its cookies and the last page's CSRF token and admin mark."""

    def __init__(self, port: int, host: str) -> None:
        self.port, self.host = port, host
        self.cookies: dict[str, str] = {}
        self.fields: dict[str, str] = {}

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self._request("GET", path, None)

    def post(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """Submit ``form`` with the hidden fields a form of the last page would carry."""
        return self._request("POST", path, urlencode({**self.fields, **form}))

    def _request(self, method: str, path: str, body: str | None) -> tuple[int, dict[str, str], str]:
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            text = response.read().decode()
            status, response_headers = response.status, {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        for name in ("csrfmiddlewaretoken", "_pg_tenants_admin_tenant"):
            found = re.search(rf'name="{name}" value="([^"]*)"', text)
            if found:
                self.fields[name] = found.group(1)
        return status, response_headers, text


def _recent_actions(page: str) -> str:
    return page[page.index('id="recent-actions-module"') :]


def test_admin_history_stays_in_its_tenant_and_logout_works_everywhere(serve) -> None:
    example = serve()
    port = example.port
    # The example's layout passes the admin's checks without silencing any.
    assert "pg_tenants_admin.W" not in example.output()

    operator = Visitor(port, "localhost")
    operator.get("/admin/login/")
    status, headers, _ = operator.post("/admin/login/", {"username": "admin", "password": "admin", "next": "/admin/"})
    assert (status, headers["location"]) == (302, "/admin/")
    operator.get("/admin/")
    assert operator.post("/admin/", {"_pg_tenants_switch": "1", "tenant": "acme"})[0] == 302
    status, _, page = operator.get("/admin/notes/note/1/change/")
    assert status == 200 and "Order more rocket skates" in page
    changed = {"title": "Order more rocket skates (approved)", "body": "Approved by the operator.", "author": ""}
    assert operator.post("/admin/notes/note/1/change/", changed)[0] == 302
    status, _, page = operator.get("/admin/")
    assert "rocket skates (approved)" in _recent_actions(page)
    history = operator.get("/admin/notes/note/1/history/")[2]
    # Acme's own user 1 is alice: the entry names the operator, a public user.
    assert "<td>admin</td>" in history and "<td>alice</td>" not in history

    operator.get("/admin/")
    assert operator.post("/admin/", {"_pg_tenants_switch": "1", "tenant": "globex"})[0] == 302
    status, _, page = operator.get("/admin/")
    recent = _recent_actions(page)
    assert "rocket skates" not in recent and "/admin/notes/note/1/change/" not in recent
    history = operator.get("/admin/notes/note/1/history/")[2]  # Globex's own note 1
    assert "Hammock district plans" in history and "have a change history" in history

    operator.get("/admin/")
    status, _, page = operator.post("/admin/logout/", {})
    assert status == 200 and "Logged out" in page
    assert operator.get("/admin/")[1]["location"].startswith("/admin/login/")

    customer = Visitor(port, "acme.localhost")
    customer.get("/login/")
    status, headers, _ = customer.post("/login/", {"username": "alice", "password": "demo"})
    assert (status, headers["location"]) == (302, "/")
    status, _, page = customer.get("/")
    assert status == 200 and "alice" in page
    status, headers, _ = customer.post("/logout/", {})
    assert (status, headers["location"]) == (302, "/login/")
    assert customer.get("/")[1]["location"].startswith("/login/")
