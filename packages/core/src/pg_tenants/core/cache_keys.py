"""Cache keys per tenant, for Django's cache framework.

Django's caches are shared by every tenant: ``cache.set("dashboard", ...)``
in one tenant is what ``cache.get("dashboard")`` returns in the next, and
``cache_page`` behind the header resolver (every tenant on one URL and host)
serves one tenant's page to the others. Give a cache this key function and
every key carries the active schema:

    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379",
            "KEY_FUNCTION": "pg_tenants.core.cache_keys.make_key",
        }
    }

A key is Django's own ``<KEY_PREFIX>:<version>:<key>`` with the schema after
the prefix: ``<KEY_PREFIX>:<schema>:<version>:<key>``. The schema comes
first so that one tenant's entries, every version included, match one pattern
(``myapp:acme:*``), which is how a tenant's entries are listed or dropped in
Redis. Public has no unscoped form: outside any tenant, and for the public
tenant, keys carry ``PUBLIC_SCHEMA_NAME`` like any other schema
(``myapp:public:1:key``); a tenant's schema can never be named ``public``, so
neither reads the other's entries. Turning the function on therefore starts
every cache empty (old keys are never read again, and expire).

Schema names are lowercase letters, digits and underscores, so keys stay
fit for memcached (no spaces or control characters); they grow by the length
of the schema's name plus one, 64 characters at most.

django-redis lists keys (``keys()``, ``iter_keys()``, ``delete_pattern()``)
through ``reverse_key``: set ``"REVERSE_KEY_FUNCTION":
"pg_tenants.core.cache_keys.reverse_key"`` beside ``KEY_FUNCTION``. Patterns
are keys too, so those calls see only the active tenant's entries;
``cache.clear()`` still empties the whole cache. Both functions expect a
``KEY_PREFIX`` without ``:``, as django-redis' own do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.module_loading import import_string

from .context import get_current_schema_name

#: The dotted path to put in ``CACHES[alias]["KEY_FUNCTION"]``.
KEY_FUNCTION = "pg_tenants.core.cache_keys.make_key"


def make_key(key: str, key_prefix: str, version: int | str) -> str:
    """``<key_prefix>:<active schema>:<version>:<key>``: Django's key with the active schema in it.

    Costs no SQL: the schema is the active one (``PUBLIC_SCHEMA_NAME`` when none is).
    """
    return f"{key_prefix}:{get_current_schema_name()}:{version}:{key}"


def reverse_key(key: str) -> str:
    """The key given to :func:`make_key`, from the key it made (for django-redis' key listing).

    A key of another shape is returned as it is.
    """
    parts = key.split(":", 3)
    return parts[3] if len(parts) == 4 else key


def uses_tenant_keys(cache_config: Mapping[str, Any]) -> bool:
    """Whether a ``CACHES`` entry makes its keys with :func:`make_key` (by dotted path or as the function)."""
    function = cache_config.get("KEY_FUNCTION")
    if isinstance(function, str):
        try:
            function = import_string(function)
        except ImportError:
            return False  # Django reports it when the cache is first used
    return function is make_key
