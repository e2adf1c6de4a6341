"""Django caches of a test's own, so cached pages never leak between tests, runs or machines' users.

:func:`isolated_cache` overrides ``CACHES`` with one cache, a fresh local
memory one or Redis (``SANDBOX_REDIS_URL``, default ``redis://127.0.0.1:6379``)
under a ``KEY_PREFIX`` no other run uses, and deletes that prefix's keys
afterwards. Redis is never flushed: other programs may share the server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import override_settings

from pg_tenants.core.cache_keys import KEY_FUNCTION

REDIS_URL = os.environ.get("SANDBOX_REDIS_URL", "redis://127.0.0.1:6379")
BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "redis": "django.core.cache.backends.redis.RedisCache",
}


def redis_client() -> Any:
    """A client of ``REDIS_URL``; a test that needs Redis fails, saying so, when no server answers."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        raise AssertionError(
            f"These tests use a real Redis at {REDIS_URL} (SANDBOX_REDIS_URL): start one, e.g. "
            f"apt-get install redis-server. ({exc})"
        ) from exc
    return client


@contextmanager
def isolated_cache(backend: str = "locmem", *, tenant_keys: bool, **settings: Any) -> Iterator[dict[str, Any]]:
    """``CACHES = {"default": <a new cache>}`` (and ``settings``) for the block; yields that cache's config.

    ``tenant_keys`` gives it ``pg_tenants.core.cache_keys.make_key`` as its key function.
    """
    prefix = f"pgt-test-{uuid.uuid4().hex[:12]}"
    config: dict[str, Any] = {"BACKEND": BACKENDS[backend], "KEY_PREFIX": prefix}
    client = None
    if backend == "redis":
        client = redis_client()
        config["LOCATION"] = REDIS_URL
    else:
        config["LOCATION"] = prefix
    if tenant_keys:
        config["KEY_FUNCTION"] = KEY_FUNCTION
    try:
        with override_settings(CACHES={"default": config}, **settings):
            yield config
    finally:
        if client is not None:
            keys = list(client.scan_iter(match=f"{prefix}:*"))
            if keys:
                client.delete(*keys)
            client.close()
