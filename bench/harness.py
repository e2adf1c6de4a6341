"""Shared machinery: project venvs, databases, servers and wrk runs.

Each benchmark project runs from its own virtual environment under
``bench/.venvs/`` made with ``uv``, so django-tenants is only ever installed
there and never becomes a dependency of the workspace's packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PROJECTS_DIR = BENCH / "projects"
VENVS = Path(os.environ.get("BENCH_VENVS", BENCH / ".venvs"))
RESULTS = BENCH / "results"
LOGS = RESULTS / "logs"
WRK_SCRIPT = BENCH / "wrk_report.lua"
# Where our packages are installed from (editable). ``BENCH_PACKAGES`` points at a
# snapshot (``git archive HEAD packages``, see bench/README.md) when other work edits
# packages/ while a run goes on: the editable install would follow every edit.
PACKAGES = Path(os.environ.get("BENCH_PACKAGES") or REPO / "packages")

DJANGO = "django~=5.2.0"
COMMON_REQUIREMENTS = [DJANGO, "psycopg[binary,pool]>=3.1.8", "gunicorn>=23", "uvicorn[standard]>=0.30"]
DJANGO_TENANTS = "django-tenants==4.0.1"


def database_url() -> str:
    """The server every project uses (``DATABASE_URL``, else the local one)."""
    return os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Project:
    """One of the three benchmark projects."""

    name: str  # plain | djt | ours
    label: str  # shown in tables
    site: str  # the project's Python package (settings, wsgi, asgi)

    @property
    def directory(self) -> Path:
        return PROJECTS_DIR / self.name

    @property
    def venv(self) -> Path:
        return VENVS / self.name

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def database(self) -> str:
        return f"bench_{self.name}"

    def requirements(self) -> list[str]:
        extra: list[str] = []
        if self.name == "djt":
            extra = [DJANGO_TENANTS]
        elif self.name == "ours":
            extra = ["-e", str(PACKAGES / "core")]
        return COMMON_REQUIREMENTS + extra

    def optional_packages(self) -> list[Path]:
        """Our other packages (resolvers, migrations), installed when they build."""
        if self.name != "ours":
            return []
        found = [PACKAGES / name for name in ("resolvers", "migrations")]
        return [path for path in found if (path / "pyproject.toml").exists()]

    def env(self, **overrides: str) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.update(
            {
                "BENCH_DATABASE_URL": database_url(),
                "BENCH_DB_NAME": self.database,
                "PYTHONPATH": f"{self.directory}{os.pathsep}{PROJECTS_DIR / 'common'}",
                "DJANGO_SETTINGS_MODULE": f"{self.site}.settings",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        env.update(overrides)
        return env

    def manage(self, *args: str, **env: str) -> str:
        """Run ``manage.py`` in the project's venv; return its standard output."""
        result = subprocess.run(
            [str(self.python), str(self.directory / "manage.py"), *args],
            env=self.env(**env),
            cwd=self.directory,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{self.name}: manage.py {' '.join(args)} failed:\n{result.stderr[-4000:]}")
        return result.stdout


PLAIN = Project("plain", "plain Django", "plainsite")
DJT = Project("djt", "django-tenants", "djtsite")
OURS = Project("ours", "django-pg-tenants", "oursite")
PROJECTS = (PLAIN, DJT, OURS)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- venvs -----------------------------------------------------------------------


def _uv() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return [str(beside)]
    return [sys.executable, "-m", "uv"]


def ensure_venv(project: Project) -> None:
    """Create or refresh the project's venv when its requirements changed."""
    requirements = project.requirements()
    optional = project.optional_packages()
    digest = hashlib.sha256(json.dumps([sys.version, requirements, [str(p) for p in optional]]).encode()).hexdigest()
    marker = project.venv / ".bench-requirements"
    if marker.exists() and marker.read_text() == digest:
        return
    log(f"{project.name}: creating venv {project.venv}")
    subprocess.run(
        [*_uv(), "venv", "-q", "--allow-existing", "--python", sys.executable, str(project.venv)], check=True
    )
    subprocess.run([*_uv(), "pip", "install", "-q", "--python", str(project.python), *requirements], check=True)
    for path in optional:
        result = subprocess.run(
            [*_uv(), "pip", "install", "-q", "--python", str(project.python), "--no-deps", "-e", str(path)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            log(f"{project.name}: {path.name} does not install yet, benchmarking without it")
    marker.write_text(digest)


def installed_versions(project: Project) -> dict[str, str]:
    """Versions of the packages that matter, as installed in the project's venv."""
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        "for name in ['django', 'psycopg', 'gunicorn', 'uvicorn', 'django-tenants', 'django-pg-tenants',"
        " 'django-pg-tenants-resolvers', 'django-pg-tenants-migrations']:\n"
        "    try:\n        out[name] = m.version(name)\n    except m.PackageNotFoundError:\n        pass\n"
        "print(json.dumps(out))"
    )
    output = subprocess.run([str(project.python), "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(output)  # type: ignore[no-any-return]


# -- databases -------------------------------------------------------------------


def _admin_connect() -> Any:
    import psycopg

    return psycopg.connect(database_url(), autocommit=True)


def recreate_database(name: str) -> None:
    """Drop and create a benchmark database (names start with ``bench_``)."""
    assert name.startswith("bench_"), name
    with _admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_version() -> str:
    with _admin_connect() as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def server_major() -> int:
    """The major version of the server at ``DATABASE_URL`` (15, 18, ...)."""
    with _admin_connect() as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    return int(row[0]) // 10000 if row else 0


def results_name(kind: str, major: int | None = None) -> str:
    """Result file of ``kind`` for the server at ``DATABASE_URL``: ``request_path-pg18.json``."""
    return f"{kind}-pg{major if major is not None else server_major()}.json"


def upstream_address() -> tuple[str, int]:
    parts = urlsplit(database_url())
    return unquote(parts.hostname or "127.0.0.1"), parts.port or 5432


# -- servers ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A gunicorn (WSGI, sync workers) or uvicorn (ASGI) server for one project."""

    def __init__(self, project: Project, kind: str, *, workers: int = 2, conn_max_age: int = 600, **env: str) -> None:
        self.project = project
        self.kind = kind
        self.port = free_port()
        self.workers = workers
        self.env = project.env(BENCH_CONN_MAX_AGE=str(conn_max_age), **env)
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        bin_dir = self.project.venv / "bin"
        if self.kind == "gunicorn":
            return [
                str(bin_dir / "gunicorn"),
                f"{self.project.site}.wsgi:application",
                "--chdir",
                str(self.project.directory),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--backlog",
                "2048",
            ]
        if self.kind == "uvicorn":
            return [
                str(bin_dir / "uvicorn"),
                f"{self.project.site}.asgi:application",
                "--app-dir",
                str(self.project.directory),
                "--workers",
                str(self.workers),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
        raise ValueError(f"Unknown server kind {self.kind!r}: use 'gunicorn' or 'uvicorn'.")

    def __enter__(self) -> Server:
        LOGS.mkdir(parents=True, exist_ok=True)
        logfile = open(LOGS / f"{self.project.name}-{self.kind}-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(),
            env=self.env,
            cwd=self.project.directory,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()  # do not leave a server that never answered running
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def cpu_seconds(self) -> float:
        """User and system CPU of every live process of this server's session (it started one)."""
        if self.process is None:
            return 0.0
        sid, total, tick = self.process.pid, 0, os.sysconf("SC_CLK_TCK")
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid:  # field 6 of stat, the session id
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / tick

    def url(self, path: str = "/item/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, host: str, path: str = "/item/") -> bytes:
        request = urllib.request.Request(self.url(path), headers={"Host": host})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()  # type: ignore[no-any-return]

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.project.name} {self.kind} exited; see {LOGS}")
            try:
                self.get("t1.bench.test")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"{self.project.name} {self.kind} did not answer within {timeout:.0f} s; see {LOGS}")


# -- load ----------------------------------------------------------------------------


def run_wrk(
    server: Server,
    duration: float,
    *,
    connections: int,
    threads: int = 1,
    host: str = "t1.bench.test",
    tenants: int = 0,
) -> dict[str, Any]:
    """One wrk run against ``server``; requests per second and latency percentiles (ms)."""
    env = dict(os.environ, BENCH_HOST=host, BENCH_TENANTS=str(tenants))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        server.url(),
    ]
    cpu_before = server.cpu_seconds()
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    line = next(line for line in reversed(output.splitlines()) if line.startswith("{"))
    raw = json.loads(line)
    seconds = raw["duration_us"] / 1e6
    return {
        # CPU time of the server's processes (master and workers) per request: what
        # the Django side spends, much less sensitive to other load than req/s.
        "server_cpu_us": cpu / raw["requests"] * 1e6 if raw["requests"] else None,
        "rps": raw["requests"] / seconds,
        "requests": raw["requests"],
        "errors": raw["socket_errors"] + raw["non_2xx"],
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "load_avg_1m": os.getloadavg()[0],
    }


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def machine() -> dict[str, Any]:
    """Where the numbers come from."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": server_version(),
        "postgresql_major": server_major(),
        "load_avg": list(os.getloadavg()),
        "wrk": wrk_version[0] if wrk_version else "?",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
