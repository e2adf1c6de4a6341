"""Tenant cache keys: every key names the active schema, so tenants never read each other's entries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from pg_tenants.core import public_context, schema_context, tenant_context
from pg_tenants.core.cache import TenantCache
from pg_tenants.core.cache_keys import KEY_FUNCTION, make_key, reverse_key, uses_tenant_keys
from sandbox.tooling.caches import isolated_cache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_keys_name_the_active_schema():
    assert make_key("k", "site", 1) == "site:public:1:k"  # nothing active: public
    with schema_context("acme"):
        assert make_key("k", "site", 1) == "site:acme:1:k"
        with public_context():
            assert make_key("k", "", 2) == ":public:2:k"


@override_settings(PUBLIC_SCHEMA_NAME="shared")
def test_public_keys_carry_the_public_schema_name():
    assert make_key("k", "site", 1) == "site:shared:1:k"


@pytest.mark.parametrize("key", ["k", "a:b:c", "views.decorators.cache.cache_page.x.GET.abc", ""])
def test_reverse_key_gives_back_the_key(key):
    with schema_context("acme"):
        assert reverse_key(make_key(key, "site", 3)) == key


def test_reverse_key_leaves_other_keys_alone():
    assert reverse_key("site:1:k") == "site:1:k"


def test_uses_tenant_keys():
    assert uses_tenant_keys({"KEY_FUNCTION": KEY_FUNCTION})
    assert uses_tenant_keys({"KEY_FUNCTION": make_key})
    assert not uses_tenant_keys({})
    assert not uses_tenant_keys({"KEY_FUNCTION": "django.core.cache.backends.base.default_key_func"})
    assert not uses_tenant_keys({"KEY_FUNCTION": "no.such.module.make_key"})


@pytest.mark.django_db
def test_entries_are_per_tenant(acme_globex):
    acme, globex = acme_globex
    with isolated_cache(tenant_keys=True):
        with tenant_context(acme):
            cache.set("dashboard", "acme's")
        with tenant_context(globex):
            assert cache.get("dashboard") is None
            cache.set("dashboard", "globex's")
        assert cache.get("dashboard") is None  # public
        with tenant_context(acme):
            assert cache.get("dashboard") == "acme's"


@pytest.mark.django_db
def test_tenant_cache_generation_is_shared_whatever_tenant_is_active(acme_globex):
    # TENANT_CACHE_ALIAS ("default") may use the tenant key function: the
    # generation that tells processes a tenant changed must be one key for all.
    acme, globex = acme_globex
    with isolated_cache(tenant_keys=True, TENANT_CACHE_SYNC_INTERVAL=60):
        clock = FakeClock()
        here, elsewhere = TenantCache(clock=clock), TenantCache(clock=clock)
        elsewhere.invalidate()
        here.get("slug", "acme")  # reads the generation, clears once
        here.get("slug", "acme")
        misses = here.misses
        with tenant_context(acme):
            clock.now += 60
            here.get("slug", "acme")  # generation read in a tenant: unchanged, nothing cleared
        assert here.misses == misses
        with tenant_context(globex):
            elsewhere.invalidate()  # a tenant saved while another tenant is active
        clock.now += 60
        here.get("slug", "acme")
        assert here.misses == misses + 1
