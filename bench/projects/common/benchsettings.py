"""Settings every benchmark project shares, read from the environment the runner sets.

``BENCH_DATABASE_URL`` (falls back to ``DATABASE_URL``, then the local server),
``BENCH_DB_NAME`` (one database per project), ``BENCH_DB_PORT`` (the runner's
statement-counting proxy overrides the port), ``BENCH_CONN_MAX_AGE`` (seconds;
``0`` closes the connection after every request), ``BENCH_DB_POOL=1`` (psycopg
connection pool; needs ``BENCH_CONN_MAX_AGE=0``), ``BENCH_PGBOUNCER=1`` (the
database is reached through PgBouncer: server-side cursors off, as Django's
documentation asks for transaction pooling).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def database(engine: str) -> dict[str, Any]:
    """``DATABASES["default"]`` for this project's database and connection policy."""
    parts = urlsplit(os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL)
    return {
        "ENGINE": engine,
        "NAME": os.environ.get("BENCH_DB_NAME") or unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or "127.0.0.1"),
        "PORT": os.environ.get("BENCH_DB_PORT") or str(parts.port or 5432),
        "CONN_MAX_AGE": int(os.environ.get("BENCH_CONN_MAX_AGE", "600")),
        # Plain TCP on loopback for all three projects; the counting proxy speaks no TLS.
        # BENCH_DB_POOL=1: Django 5.1+'s psycopg pool, what ASGI deployments use instead
        # of persistent connections (which Django does not support under ASGI).
        "OPTIONS": {"sslmode": "disable", **({"pool": True} if os.environ.get("BENCH_DB_POOL") == "1" else {})},
        "DISABLE_SERVER_SIDE_CURSORS": os.environ.get("BENCH_PGBOUNCER") == "1",
    }


COMMON: dict[str, Any] = {
    "SECRET_KEY": "bench-not-secret",
    "DEBUG": False,
    "ALLOWED_HOSTS": ["*"],
    "USE_TZ": True,
    "TIME_ZONE": "UTC",
    "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
    "TEMPLATES": [],
    "LOGGING": {"version": 1, "disable_existing_loggers": False},
}

TENANT_DOMAIN_SUFFIX = "bench.test"


def tenant_schema(index: int) -> str:
    """Schema name of the benchmark's tenant number ``index``."""
    return f"t{index}"


def tenant_domain(index: int) -> str:
    """Host name of the benchmark's tenant number ``index``."""
    return f"t{index}.{TENANT_DOMAIN_SUFFIX}"
