"""The hostname resolver: the full host is a Domain row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pg_tenants.core.resolvers import tenant_url
from pg_tenants.core.testing import TenantClient
from pg_tenants.resolvers import TenantURLUnavailable
from sandbox.customers.models import Client as Tenant
from sandbox.customers.models import Domain

from .conftest import aget, resolver_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hostname():
    with resolver_settings("hostname"):
        yield


@pytest.mark.parametrize(
    "host", ["alpha.example.com", "ALPHA.Example.com.:8000", "alpha-alias.test", "xn--bcher-kva.example"]
)
def test_every_domain_of_a_tenant_reaches_it(world, host):
    response = Client().get("/notes/", HTTP_HOST=host)
    assert response.json() == {"tenant": "rs_alpha", "notes": ["alpha-note"]}


def test_async_client(world):
    assert aget("/async-notes/", headers={"host": "alpha-alias.test"}).json()["notes"] == ["alpha-note"]
    assert aget("/whoami/", headers={"host": "beta.example.com"}).json() == {"tenant": "rs_beta", "urlconf": "premium"}
    assert aget("/", headers={"host": "example.com"}).json() == {"tenant": "public", "urlconf": "public"}


def test_public_tenant_by_its_domain(world):
    assert Client().get("/", HTTP_HOST="Example.COM").json() == {"tenant": "public", "urlconf": "public"}


@pytest.mark.parametrize(
    "host",
    [
        "unknown.test",
        "www.example.com",  # not a row: the hostname resolver knows no www rule
        "alpha.example.com.evil.test",
        "alpha..example.com",
        "a" * 64 + ".test",
        ".".join(["a" * 60] * 5),
        "xn--lpha-4ve.example.com",  # punycode of a Cyrillic look-alike of alpha.example.com
    ],
)
def test_unknown_or_malformed_hosts_are_404(world, host):
    assert Client().get("/whoami/", HTTP_HOST=host).status_code == 404


@pytest.mark.parametrize("host", ["аlpha.example.com", "bücher.example", "alpha.example.com:port"])
def test_non_ascii_and_junk_hosts_are_400(world, host):
    # Browsers send IDNs as punycode; a raw non-ASCII Host header is rejected by Django (400).
    assert Client().get("/whoami/", HTTP_HOST=host).status_code == 400


def test_inactive_tenant_is_not_served(world):
    Tenant.objects.filter(pk=world.beta.pk).update(is_active=False)
    assert Client().get("/whoami/", HTTP_HOST="beta.example.com").status_code == 404


def test_links_use_the_primary_domain(world):
    assert tenant_url(world.alpha, "/notes/") == "https://alpha.example.com/notes/"
    Domain.objects.filter(domain="alpha.example.com").update(is_primary=False)
    # No primary: the oldest domain.
    assert tenant_url(world.alpha) == "https://alpha.example.com/"
    Domain.objects.create(domain="alpha.example.org", tenant=world.alpha, is_primary=True)
    with resolver_settings("hostname", TENANT_URL_SCHEME="http", TENANT_URL_PORT=8080):
        assert tenant_url(world.alpha, "x") == "http://alpha.example.org:8080/x"
    assert TenantClient(world.alpha).get("/notes/").json()["notes"] == ["alpha-note"]
    # secure=True: TenantClient does not carry url_for's https into requests (reported to the core).
    data = TenantClient(world.alpha).get("/links/", secure=True).json()
    assert data["absolute"] == "https://alpha.example.org/links/"


def test_links_for_many_tenants_use_prefetched_domains(world):
    tenants = list(Tenant.objects.filter(slug__in=["alpha", "beta"]).order_by("slug").prefetch_related("domains"))
    with CaptureQueriesContext(connection) as queries:
        links = [tenant_url(t) for t in tenants]
    assert links == ["https://alpha.example.com/", "https://beta.example.com/"]
    assert len(queries) == 0


def test_tenant_without_domain_cannot_be_linked(world):
    Domain.objects.filter(tenant=world.beta).delete()
    with pytest.raises(TenantURLUnavailable, match="'rs_beta' has no domain"):
        tenant_url(world.beta)
