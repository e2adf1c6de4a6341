"""With a warm tenant cache, resolving a request costs no SQL, whichever resolver is used."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pg_tenants.core.cache import tenant_cache

from .conftest import aget, resolver_settings

pytestmark = pytest.mark.django_db

#: resolver -> (path, WSGI extras, ASGI headers, scope client) reaching tenant alpha's /whoami/ (a view with no query)
ALPHA_REQUESTS: dict[str, tuple[str, dict[str, str], dict[str, str], str | None]] = {
    "subdomain": ("/whoami/", {"HTTP_HOST": "alpha.example.com"}, {"host": "alpha.example.com"}, None),
    "hostname": ("/whoami/", {"HTTP_HOST": "alpha-alias.test"}, {"host": "alpha-alias.test"}, None),
    "header": ("/whoami/", {"HTTP_X_TENANT": "alpha", "REMOTE_ADDR": "10.0.0.9"}, {"x-tenant": "alpha"}, "10.0.0.9"),
    "path": ("/t/alpha/whoami/", {}, {}, None),
    "hosts": ("/whoami/", {"HTTP_HOST": "alpha.hosts.test"}, {"host": "alpha.hosts.test"}, None),
}


def sync_get(path: str, extra: dict[str, str], headers: dict[str, str], remote: str | None) -> Any:
    return Client().get(path, **extra)


def async_get(path: str, extra: dict[str, str], headers: dict[str, str], remote: str | None) -> Any:
    return aget(path, remote_addr=remote, headers=headers)


@pytest.mark.parametrize("get", [sync_get, async_get], ids=["sync", "async"])
@pytest.mark.parametrize("name", sorted(ALPHA_REQUESTS))
def test_warm_cache_resolves_without_sql(world, name, get):
    request = ALPHA_REQUESTS[name]
    with resolver_settings(name):
        cold = get(*request)
        assert cold.json()["tenant"] == "rs_alpha"
        misses = tenant_cache.misses
        with CaptureQueriesContext(connection) as queries:
            warm = get(*request)
        assert warm.json()["tenant"] == "rs_alpha"
        assert [q["sql"] for q in queries] == []
        assert tenant_cache.misses == misses


@pytest.mark.parametrize(
    ("name", "public", "unknown"),
    [
        ("subdomain", ("/", "www.example.com"), ("/whoami/", "nobody.example.com")),
        ("hostname", ("/", "example.com"), ("/whoami/", "nobody.example.com")),
        ("path", ("/", "testserver"), ("/t/nobody/whoami/", "testserver")),
        ("hosts", ("/", "www.hosts.test"), ("/whoami/", "nobody.hosts.test")),
    ],
)
def test_warm_public_and_unknown_cost_no_sql(world, name, public, unknown):
    with resolver_settings(name):
        Client().get(public[0], HTTP_HOST=public[1])
        Client().get(unknown[0], HTTP_HOST=unknown[1])
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(public[0], HTTP_HOST=public[1]).json()["tenant"] == "public"
            assert Client().get(unknown[0], HTTP_HOST=unknown[1]).status_code == 404
        assert len(queries) == 0
