"""django.contrib.sites in TENANT_APPS: every tenant gets its own Site, however Django's cache was primed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from pg_tenants.core import tenant_context
from pg_tenants.core.contenttypes import SchemaKeyedCache
from pg_tenants.core.testing import TenantClient

SITES = "django.contrib.sites"


@pytest.fixture
def sites(acme_globex, db):
    """The sites app installed in TENANT_APPS; each tenant schema with its own django_site and row 1."""
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, SITES],
        TENANT_APPS=[*settings.TENANT_APPS, SITES],
        SITE_ID=1,
        ROOT_URLCONF="sandbox.urls_integrations",
    ):
        from django.contrib.sites.models import Site

        Site.objects.clear_cache()
        for tenant in acme_globex:
            with tenant_context(tenant):
                with connection.schema_editor() as editor:
                    editor.create_model(Site)
                Site.objects.create(pk=1, domain=f"{tenant.slug}.tenants.test", name=f"{tenant.slug} site")
        try:
            yield acme_globex
        finally:
            Site.objects.clear_cache()
            # Installing the app ran the admin's autodiscover, which registered Site on admin.site;
            # left there, every later admin page would list an app that is no longer installed.
            from django.contrib import admin

            if admin.site.is_registered(Site):
                admin.site.unregister(Site)


def current_name() -> str:
    from django.contrib.sites.models import Site

    return Site.objects.get_current().name


def test_each_tenant_gets_its_own_site_by_site_id(sites, django_assert_num_queries):
    acme, globex = sites
    with tenant_context(acme):
        assert current_name() == "acme site"
    with tenant_context(globex):
        assert current_name() == "globex site"  # Django's shared SITE_CACHE[1] would say "acme site"
    with tenant_context(acme), django_assert_num_queries(0):
        assert current_name() == "acme site"  # still cached


def test_get_current_site_in_requests(sites):
    acme, globex = sites
    for _ in range(2):
        assert TenantClient(acme).get("/site/").json() == {"domain": "acme.tenants.test", "name": "acme site"}
        assert TenantClient(globex).get("/site/").json() == {"domain": "globex.tenants.test", "name": "globex site"}


def test_by_host_when_tenants_share_a_host(sites):
    # Header-resolved tenants share one host: Django's cache keyed by host alone mixes them up too.
    from django.contrib.sites.models import Site

    acme, globex = sites
    for tenant in sites:
        with tenant_context(tenant):
            Site.objects.filter(pk=1).update(domain="tenants.test")
    with override_settings(SITE_ID=None, TENANT_RESOLVER="sandbox.resolvers.HeaderOnlyResolver"):
        assert TenantClient(acme).get("/site/").json()["name"] == "acme site"
        assert TenantClient(globex).get("/site/").json()["name"] == "globex site"


def test_saving_a_site_clears_only_its_tenants_entry(sites, django_assert_num_queries):
    from django.contrib.sites.models import Site

    acme, globex = sites
    for tenant in sites:
        with tenant_context(tenant):
            current_name()
    with tenant_context(acme):
        site = Site.objects.get(pk=1)
        site.name = "Acme, renamed"
        site.save()
        assert current_name() == "Acme, renamed"
    with tenant_context(globex), django_assert_num_queries(0):
        assert current_name() == "globex site"


def test_clear_cache_keeps_the_cache_per_schema(sites):
    from django.contrib.sites import models

    acme, globex = sites
    with tenant_context(acme):
        current_name()
    models.Site.objects.clear_cache()
    assert isinstance(models.SITE_CACHE, SchemaKeyedCache)
    assert len(models.SITE_CACHE) == 0
    with tenant_context(globex):
        assert current_name() == "globex site"
    with tenant_context(acme):
        assert current_name() == "acme site"
