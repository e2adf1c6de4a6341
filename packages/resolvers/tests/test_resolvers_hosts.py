"""The hosts resolver: django-hosts patterns pick the tenant and the urlconf."""

from __future__ import annotations

import pytest
from django.test import Client

from pg_tenants.core.resolvers import tenant_url
from pg_tenants.core.testing import TenantClient
from pg_tenants.resolvers import TenantURLUnavailable

from .conftest import aget, resolver_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hosts():
    with resolver_settings("hosts"):
        yield


def test_named_group_is_the_tenant_and_the_host_picks_the_urlconf(world):
    assert Client().get("/notes/", HTTP_HOST="alpha.hosts.test").json() == {
        "tenant": "rs_alpha",
        "notes": ["alpha-note"],
    }
    # The host's urlconf wins over the tenant type's: beta is "premium", but this host serves urls_resolvers.
    assert Client().get("/whoami/", HTTP_HOST="beta.hosts.test").json() == {"tenant": "rs_beta", "urlconf": "tenant"}
    # Another host pattern, same tenant, another urlconf.
    assert Client().get("/whoami/", HTTP_HOST="api.alpha.hosts.test").json() == {
        "tenant": "rs_alpha",
        "urlconf": "premium",
    }


def test_async_client(world):
    assert aget("/async-notes/", headers={"host": "alpha.hosts.test"}).json()["notes"] == ["alpha-note"]


@pytest.mark.parametrize("host", ["hosts.test", "www.hosts.test", "WWW.hosts.test.:80"])
def test_hosts_without_the_group_are_public(world, host):
    assert Client().get("/", HTTP_HOST=host).json() == {"tenant": "public", "urlconf": "public"}


@pytest.mark.parametrize(
    "host",
    [
        "nobody.hosts.test",
        "alpha.hosts.test.evil.test",  # django-hosts' own middleware would take this for alpha
        "alpha.hosts.testx",
        "a.b.hosts.test",
        "alpha-.hosts.test",  # matches [\w-]+, but is no slug
        "other.test",  # no pattern: not DEFAULT_HOST, no tenant
    ],
)
def test_hosts_naming_no_tenant_are_404(world, host):
    assert Client().get("/whoami/", HTTP_HOST=host).status_code == 404


def test_links_keep_host_and_urlconf(world):
    data = Client().get("/links/", HTTP_HOST="alpha.hosts.test", secure=True).json()
    assert data["reverse"] == "/links/"
    assert data["absolute"] == "https://alpha.hosts.test/links/"


def test_url_for(world):
    assert tenant_url(world.alpha, "/notes/") == "https://alpha.hosts.test/notes/"
    assert tenant_url(world.public) == "https://www.hosts.test/"
    with resolver_settings("hosts", TENANT_HOSTS_TENANT_HOST="tenant-api", TENANT_URL_PORT=8443):
        assert tenant_url(world.beta) == "https://api.beta.hosts.test:8443/"
    with resolver_settings("hosts", HOST_SCHEME="http://", HOST_PORT="8000", ROOT_HOSTCONF="sandbox.hosts_http"):
        assert tenant_url(world.beta) == "http://beta.hosts.test:8000/"
    with resolver_settings("hosts", DEFAULT_HOST=None), pytest.raises(TenantURLUnavailable, match="DEFAULT_HOST"):
        tenant_url(world.public)
    with resolver_settings("hosts", DEFAULT_HOST="nope"), pytest.raises(TenantURLUnavailable, match="nope"):
        tenant_url(world.public)
    with resolver_settings("hosts", TENANT_HOSTS_GROUP="org"), pytest.raises(TenantURLUnavailable, match="org"):
        tenant_url(world.alpha)
    assert TenantClient(world.alpha).get("/notes/").json()["notes"] == ["alpha-note"]
