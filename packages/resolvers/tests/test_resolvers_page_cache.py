"""Cached pages stay with their tenant: ``cache_page`` and the site-wide cache under every resolver.

Host-based resolvers and the path resolver give each tenant its own URLs,
which are in every page's cache key. The header resolver gives every tenant
the same URL and host: Django's cache middleware keeps them apart by the
``Vary: X-Tenant`` the core middleware adds, and ``cache_page`` (which stores
the page inside the view, before that header is added) by the tenant key
function, :func:`pg_tenants.core.cache_keys.make_key`.

Every test asks for the same page on tenant alpha, then beta, then alpha
again after changing alpha's data: beta must get beta's page, and alpha's
second answer must be the stored one (same render number, old note).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import Client

from pg_tenants.core import tenant_context
from sandbox.notes.models import Note
from sandbox.tooling.caches import isolated_cache, redis_client

from .conftest import World, resolver_settings, tenant_request

pytestmark = pytest.mark.django_db

RESOLVERS = ["subdomain", "hostname", "header", "path", "hosts"]
UPDATE_CACHE = "django.middleware.cache.UpdateCacheMiddleware"
FETCH_CACHE = "django.middleware.cache.FetchFromCacheMiddleware"


def site_cache(*, tenant_first: bool = False) -> list[str]:
    """``MIDDLEWARE`` with the site-wide cache: UpdateCache first (Django's order), or after TenantMiddleware."""
    tenant, *rest = settings.MIDDLEWARE
    if tenant_first:
        return [tenant, UPDATE_CACHE, *rest, FETCH_CACHE]
    return [UPDATE_CACHE, tenant, *rest, FETCH_CACHE]


@contextmanager
def page_cache(name: str, backend: str = "locmem", *, tenant_keys: bool, **extra: Any) -> Iterator[None]:
    """Resolver ``name``, every tenant on ``sandbox.urls_resolvers``, and a cache of the test's own."""
    with (
        resolver_settings(name, TENANT_URLCONFS={}, PUBLIC_SCHEMA_URLCONF=None),
        isolated_cache(backend, tenant_keys=tenant_keys, **extra),
    ):
        yield


def get(name: str, slug: str | None, path: str) -> Any:
    url, extra = tenant_request(name, slug, path)
    response = Client().get(url, **extra)
    assert response.status_code == 200, response.content
    return response


def assert_pages_stay_with_their_tenant(world: World, name: str, path: str) -> None:
    alpha = get(name, "alpha", path).json()
    assert (alpha["tenant"], alpha["notes"]) == ("rs_alpha", ["alpha-note"])
    beta = get(name, "beta", path).json()
    assert (beta["tenant"], beta["notes"]) == ("rs_beta", ["beta-note"])
    with tenant_context(world.alpha):
        Note.objects.update(title="alpha-changed")
    assert get(name, "alpha", path).json() == alpha  # stored: same render, the note as it was
    assert get(name, "beta", path).json() == beta


def check_ids(*wanted: str) -> list[str]:
    return [m.id for m in run_checks() if m.id in wanted]


@pytest.mark.parametrize("name", RESOLVERS)
def test_cache_page_with_tenant_keys(world, name):
    with page_cache(name, tenant_keys=True):
        assert_pages_stay_with_their_tenant(world, name, "/cached-page/")
        assert check_ids("pg_tenants.W002", "pg_tenants.W003") == []


@pytest.mark.parametrize("name", RESOLVERS)
def test_site_cache_in_djangos_order(world, name):
    # No key function: the URL (host and path prefix included) and the header
    # resolver's Vary keep the pages apart.
    with page_cache(name, tenant_keys=False, MIDDLEWARE=site_cache()):
        assert_pages_stay_with_their_tenant(world, name, "/page/")


@pytest.mark.parametrize("name", RESOLVERS)
def test_site_cache_with_tenant_keys_after_tenant_middleware(world, name):
    with page_cache(name, tenant_keys=True, MIDDLEWARE=site_cache(tenant_first=True)):
        assert_pages_stay_with_their_tenant(world, name, "/page/")
        assert check_ids("pg_tenants.W003") == []


def test_w003_site_cache_with_tenant_keys_outside_tenant_middleware_never_hits(world):
    # Pages are stored once TenantMiddleware has deactivated the tenant (public's
    # keys), and looked up with the tenant active (the tenant's keys).
    with page_cache("subdomain", tenant_keys=True, MIDDLEWARE=site_cache()):
        assert check_ids("pg_tenants.W003") == ["pg_tenants.W003"]
        first = get("subdomain", "alpha", "/page/").json()
        assert get("subdomain", "alpha", "/page/").json()["render"] != first["render"]


# -- the header resolver -------------------------------------------------------------


def test_header_resolver_varies_every_response_on_its_header(world):
    with page_cache("header", tenant_keys=True, TENANT_NOT_FOUND="public"):
        assert get("header", "alpha", "/page/")["Vary"] == "X-Tenant"
        assert get("header", None, "/page/")["Vary"] == "X-Tenant"  # no header: public
    with page_cache("header", tenant_keys=True):
        url, extra = tenant_request("header", "nobody", "/page/")
        missing = Client().get(url, **extra)
        assert (missing.status_code, missing["Vary"]) == (404, "X-Tenant")
    with page_cache("header", tenant_keys=True, TENANT_HEADER_NAME="X-Customer"):
        response = Client().get("/page/", HTTP_X_CUSTOMER="alpha", REMOTE_ADDR="10.0.0.9")
        assert response["Vary"] == "X-Customer"
    with page_cache("subdomain", tenant_keys=True):
        assert not get("subdomain", "alpha", "/page/").has_header("Vary")


def test_header_site_cache_with_public_pages_in_between(world):
    # A public page stored without Vary would key the URL's next page by URL alone.
    with page_cache("header", tenant_keys=False, MIDDLEWARE=site_cache(), TENANT_NOT_FOUND="public"):
        alpha = get("header", "alpha", "/page/").json()
        public = get("header", None, "/page/").json()
        assert (public["tenant"], public["notes"]) == ("public", [])
        beta = get("header", "beta", "/page/").json()
        assert beta["tenant"] == "rs_beta"
        assert get("header", "alpha", "/page/").json() == alpha
        assert get("header", None, "/page/").json() == public


def test_w002_header_resolver_cache_page_without_tenant_keys(world):
    # The reason for the warning: cache_page stores the page before Vary is
    # added, keyed by the URL alone, which every tenant shares.
    with page_cache("header", tenant_keys=False):
        assert check_ids("pg_tenants.W002") == ["pg_tenants.W002"]
        assert get("header", "alpha", "/cached-page/").json()["tenant"] == "rs_alpha"
        assert get("header", "beta", "/cached-page/").json()["tenant"] == "rs_alpha"  # alpha's page, to beta
    with page_cache("header", tenant_keys=True):
        assert check_ids("pg_tenants.W002") == []
    for host_based in ("subdomain", "hostname", "path", "hosts"):
        with page_cache(host_based, tenant_keys=False):
            assert check_ids("pg_tenants.W002") == []


def test_w002_header_resolver_in_a_chain(world):
    with page_cache("header", tenant_keys=False, TENANT_RESOLVER=["hostname", "header"]):
        [message] = [m for m in run_checks() if m.id == "pg_tenants.W002"]
    assert "X-Tenant header" in message.msg
    assert "cache 'default'" in message.msg
    assert "pages cached by cache_page" in message.msg
    assert 'KEY_FUNCTION"] = "pg_tenants.core.cache_keys.make_key"' in message.hint


# -- on Redis ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "middleware"),
    [("/cached-page/", None), ("/page/", "update-first"), ("/page/", "tenant-first")],
    ids=["cache_page", "site-cache", "site-cache-tenant-keys"],
)
def test_header_resolver_on_redis(world, path, middleware):
    extra: dict[str, Any] = {}
    if middleware is not None:
        extra["MIDDLEWARE"] = site_cache(tenant_first=middleware == "tenant-first")
    tenant_keys = middleware != "update-first"
    with page_cache("header", "redis", tenant_keys=tenant_keys, **extra):
        assert_pages_stay_with_their_tenant(world, "header", path)
        prefix = settings.CACHES["default"]["KEY_PREFIX"]
        keys = {k.decode() for k in redis_client().scan_iter(match=f"{prefix}:*")}
    pages = {k for k in keys if ".cache_page." in k}
    assert len(pages) >= 2  # one per tenant at least
    if tenant_keys:
        assert {k.split(":")[1] for k in pages} >= {"rs_alpha", "rs_beta"}
    assert not list(redis_client().scan_iter(match=f"{prefix}:*"))  # removed afterwards
