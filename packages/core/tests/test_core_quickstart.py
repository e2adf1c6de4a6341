"""docs/getting-started/quickstart.md, run as written: a fresh ``startproject`` to two tenants with their own notes.

Every fenced block at the top level of the page is one of:

* a ``bash`` block: commands, run one by one (``pip install`` is skipped: this
  suite's environment is that install, and ``test_core_install`` runs the line;
  ``createsuperuser`` gets its answers from the environment, ``runserver`` a
  free port);
* a ``python`` or ``html`` block whose first line names a file
  (``# customers/models.py``, ``<!-- notes/templates/notes/list.html -->``),
  written, or appended to with ``, at the end``;
* a ``python`` block headed ``# python manage.py shell``, fed to the shell.

A block that is none of these fails the test, so the page cannot drift into
text that is not run. The one substitution is the database's name, so a run
never touches a real ``mysaas`` database.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pg_tenants.core.testing.database import database_url
from sandbox.tooling.venvs import REPO, checked

PAGE = REPO / "docs" / "getting-started" / "quickstart.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)
FILE_HEADER = re.compile(r"^(?:# |<!-- )(?P<path>[\w./-]+\.\w+)(?P<append>, at the end)?(?: -->)?$")


def blocks() -> list[tuple[str, str]]:
    return [(language, body) for language, body in FENCE.findall(PAGE.read_text())]


def server_environment(database: str) -> dict[str, str]:
    """libpq's variables for the test server, and nothing of this suite's Django settings."""
    url = urlsplit(database_url())
    host = url.hostname or ""
    query = dict(part.split("=", 1) for part in url.query.split("&") if "=" in part)
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(PGHOST=query.get("host", host), PGPORT=str(url.port or 5432), PGUSER=url.username or "postgres")
    if url.password:
        env["PGPASSWORD"] = url.password
    env["PGDATABASE"] = "postgres"
    env.update(
        DJANGO_SUPERUSER_USERNAME="admin",
        DJANGO_SUPERUSER_EMAIL="admin@example.com",
        DJANGO_SUPERUSER_PASSWORD="quick-start-pw",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, host: str, path: str = "/") -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": f"{host}:{port}"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


class QuickStart:
    """Runs the page's blocks in a temporary directory, as a reader would type them."""

    def __init__(self, root: Path, database: str) -> None:
        self.cwd = root
        self.database = database
        self.env = server_environment(database)
        self.server: subprocess.Popen[str] | None = None
        self.port = free_port()
        self.shell_output: list[str] = []

    def run_commands(self, body: str) -> None:
        for line in body.strip().splitlines():
            words = shlex.split(line)
            if words[:2] == ["pip", "install"]:
                continue
            if words[0] == "cd":
                self.cwd = self.cwd / words[1]
            elif words[0] == "django-admin":
                checked(sys.executable, "-m", "django", *words[1:], cwd=self.cwd, env=self.env)
            elif words[0] == "createdb":
                assert words[1:] == ["mysaas"], line
                checked("createdb", self.database, env=self.env)
            elif words[:2] == ["python", "manage.py"]:
                self.manage(words[2:])
            else:
                raise AssertionError(f"quickstart.md runs {line!r}, which this test does not know how to run")

    def manage(self, args: list[str]) -> None:
        command = [sys.executable, "manage.py", *args]
        if args == ["createsuperuser"]:
            command.append("--noinput")  # the answers are in DJANGO_SUPERUSER_*
        if args == ["runserver"]:
            self.server = subprocess.Popen(
                [*command, f"127.0.0.1:{self.port}", "--noreload"],
                cwd=self.cwd,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            self.wait_for_server()
            return
        checked(*command, cwd=self.cwd, env=self.env)

    def wait_for_server(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.server is not None and self.server.poll() is None, self.server and self.server.stdout.read()  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("runserver did not start within 60 s")

    def write(self, relative: str, text: str, append: bool) -> None:
        path = self.cwd / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if append:
            with path.open("a") as handle:
                handle.write("\n" + text)
        else:
            path.write_text(text)
        if relative.endswith("settings.py"):
            assert text.count('"NAME": "mysaas"') <= 1
            path.write_text(path.read_text().replace('"NAME": "mysaas"', f'"NAME": "{self.database}"'))

    def shell(self, code: str) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell"],
            input=code,
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"manage.py shell failed:\n{code}\n{result.stdout}\n{result.stderr}"
        self.shell_output.append(result.stdout)

    def follow(self) -> None:
        for number, (language, body) in enumerate(blocks(), start=1):
            first, _, rest = body.partition("\n")
            header = FILE_HEADER.match(first)
            if language == "bash":
                self.run_commands(body)
            elif language == "python" and first == "# python manage.py shell":
                self.shell(rest)
            elif language in {"python", "html"} and header:
                self.write(header["path"], rest, append=bool(header["append"]))
            else:
                raise AssertionError(f"block {number} of quickstart.md ({language}) is not run by this test")

    def stop(self) -> None:
        if self.server is None:
            return
        if self.server.poll() is None:
            self.server.terminate()
        self.server.communicate(timeout=30)  # reaps it and closes its output pipe


@pytest.fixture
def quickstart(tmp_path: Path) -> Iterator[QuickStart]:
    database = f"pg_tenants_quickstart_{os.getpid()}"
    run = QuickStart(tmp_path, database)
    subprocess.run(["dropdb", "--if-exists", database], env=run.env, check=False, capture_output=True)
    try:
        yield run
    finally:
        run.stop()
        subprocess.run(["dropdb", "--if-exists", "--force", database], env=run.env, check=False, capture_output=True)


def test_quickstart_as_written_serves_two_tenants_with_their_own_notes(quickstart):
    quickstart.follow()
    port = quickstart.port
    status, acme = get(port, "acme.localhost")
    assert status == 200, acme
    assert "Notes of Acme" in acme and "Welcome to Acme" in acme and "Globex" not in acme
    status, globex = get(port, "globex.localhost")
    assert status == 200 and "Welcome to Globex" in globex and "Acme" not in globex
    # The note the last shell block added is Acme's alone.
    assert quickstart.shell_output[-1].strip().endswith("2")
    assert "Hello from the shell" in get(port, "acme.localhost")[1]
    assert "Hello from the shell" not in get(port, "globex.localhost")[1]
    # The public site: the landing page, the admin's login with its styles served.
    assert get(port, "localhost") == (200, "My SaaS: sign in at /admin/")
    status, login = get(port, "localhost", "/admin/login/")
    assert status == 200 and "/static/admin/css/base.css" in login
    assert get(port, "localhost", "/static/admin/css/base.css")[0] == 200
    # An unknown tenant is a 404, not another tenant's page.
    assert get(port, "initech.localhost")[0] == 404
    check = checked(sys.executable, "manage.py", "check", cwd=quickstart.cwd, env=quickstart.env)
    assert "System check identified no issues" in check
