"""The tenant cache: warm look-ups run no SQL; saves and deletes invalidate it, here and elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from pg_tenants.core.cache import TenantCache, tenant_cache
from sandbox.customers.models import Client, Domain


@pytest.mark.django_db
def test_warm_lookup_runs_no_sql(acme_globex):
    acme, _ = acme_globex
    with CaptureQueriesContext(connection) as cold:
        assert tenant_cache.get("slug", "acme").pk == acme.pk
        assert tenant_cache.get("slug", "unknown") is None
    assert len([q for q in cold.captured_queries if "customers_client" in q["sql"]]) == 2
    with CaptureQueriesContext(connection) as warm:
        for _ in range(3):
            assert tenant_cache.get("slug", "acme").pk == acme.pk
            assert tenant_cache.get("slug", "unknown") is None
    assert len(warm) == 0


@pytest.mark.django_db
def test_unknown_lookups_are_cached_too(acme_globex):
    tenant_cache.get("slug", "nobody")
    misses = tenant_cache.misses
    tenant_cache.get("slug", "nobody")
    assert tenant_cache.misses == misses


@pytest.mark.django_db
def test_saving_a_tenant_invalidates(acme_globex):
    acme, _ = acme_globex
    client = HttpClient()
    assert client.get("/whoami/", HTTP_HOST="acme.tenants.test").status_code == 200
    acme.slug = "acme-renamed"
    acme.save()
    try:
        assert client.get("/whoami/", HTTP_HOST="acme.tenants.test").status_code == 404
        assert client.get("/whoami/", HTTP_HOST="acme-renamed.tenants.test").status_code == 200
    finally:
        acme.slug = "acme"
        acme.save()


@pytest.mark.django_db
def test_deleting_a_domain_invalidates(acme_globex):
    acme, _ = acme_globex
    domain = Domain.objects.create(domain="acme.example", tenant=acme)
    assert tenant_cache.get("domain", "acme.example").pk == acme.pk
    domain.delete()
    assert tenant_cache.get("domain", "acme.example") is None


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked():
    """A tenant cache of its own, on a clock the test moves."""
    clock = FakeClock()
    return TenantCache(clock=clock), clock


@pytest.mark.django_db
@override_settings(TENANT_CACHE_TTL=60)
def test_entries_expire_after_ttl(acme_globex, clocked):
    cache, clock = clocked
    cache.get("slug", "acme")
    cache.get("slug", "nobody")
    clock.now += 59
    cache.get("slug", "acme")
    cache.get("slug", "nobody")
    assert cache.misses == 2  # still fresh: no query
    clock.now += 2
    cache.get("slug", "acme")
    cache.get("slug", "nobody")
    assert cache.misses == 4


@pytest.mark.django_db
@override_settings(TENANT_CACHE_MAX_MISSES=3)
def test_unknown_lookups_are_bounded(acme_globex, clocked):
    cache, _ = clocked
    for i in range(10):
        cache.get("slug", f"random-{i}")
    assert len(cache) == 3


@pytest.mark.django_db
@override_settings(TENANT_CACHE_MAX_MISSES=2)
def test_unknown_lookups_never_push_tenants_out(acme_globex, clocked):
    cache, _ = clocked
    acme, globex = acme_globex
    cache.get("slug", "acme")
    cache.get("slug", "globex")
    for i in range(50):  # a scan of unknown hosts
        cache.get("domain", f"scan-{i}.example")
    misses = cache.misses
    assert cache.get("slug", "acme").pk == acme.pk
    assert cache.get("slug", "globex").pk == globex.pk
    assert cache.misses == misses


@pytest.mark.django_db
@override_settings(TENANT_CACHE_MAX_ENTRIES=2)
def test_eviction_is_least_recently_used(acme_globex, clocked):
    cache, _ = clocked
    cache.get("slug", "acme")
    cache.get("slug", "globex")
    cache.get("slug", "acme")  # a hit: acme is now the most recently used
    cache.get("schema_name", "globex")  # a third tenant entry evicts the least recently used
    misses = cache.misses
    cache.get("slug", "acme")
    assert cache.misses == misses  # kept
    cache.get("slug", "globex")
    assert cache.misses == misses + 1  # evicted


@pytest.mark.django_db(transaction=True)
def test_another_process_saving_a_tenant_invalidates_this_one(acme_globex, tmp_path, settings):
    acme, _ = acme_globex
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    settings.TENANT_CACHE_SYNC_INTERVAL = 60
    clock = FakeClock()
    cache = TenantCache(clock=clock)
    assert cache.get("slug", "acme").pk == acme.pk
    assert cache.get("slug", "acme-moved") is None
    url = os.environ.get("DATABASE_URL", "")
    env = {
        **os.environ,
        "SANDBOX_CACHE_DIR": str(tmp_path),
        "SANDBOX_TEST_DB": connection.settings_dict["NAME"],
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DATABASE_URL": url,
    }
    script = (
        "import django; django.setup()\n"
        "from django.db import connections\n"
        "connections['default'].settings_dict['NAME'] = __import__('os').environ['SANDBOX_TEST_DB']\n"
        "from sandbox.customers.models import Client\n"
        "t = Client.objects.get(schema_name='acme'); t.slug = 'acme-moved'; t.save()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=os.getcwd(), timeout=60)
    try:
        assert cache.get("slug", "acme").pk == acme.pk  # within TENANT_CACHE_SYNC_INTERVAL: not read yet
        clock.now += 60
        # No signal reached this cache: only the shared generation number did.
        assert cache.get("slug", "acme") is None
        assert cache.get("slug", "acme-moved").pk == acme.pk
    finally:
        Client.objects.filter(pk=acme.pk).update(slug="acme")


@pytest.mark.django_db
def test_shared_generation_is_read_at_most_once_per_interval(acme_globex, settings):
    from django.core.cache import caches

    from pg_tenants.core.cache import GENERATION_KEY

    settings.TENANT_CACHE_SYNC_INTERVAL = 60
    clock = FakeClock()
    cache = TenantCache(clock=clock)
    cache.get("slug", "acme")
    cache.get("slug", "acme")  # the first read of the generation cleared the (empty) cache: read again
    caches["default"].set(GENERATION_KEY, time.time_ns())  # as another process's save would
    misses = cache.misses
    clock.now += 59
    cache.get("slug", "acme")  # within the interval: the shared generation is not read
    assert cache.misses == misses
    clock.now += 1
    cache.get("slug", "acme")
    assert cache.misses == misses + 1
