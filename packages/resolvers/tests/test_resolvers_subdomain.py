"""The subdomain resolver through Django's test clients."""

from __future__ import annotations

import pytest
from django.test import Client

from pg_tenants.core.resolvers import get_resolver, tenant_url
from pg_tenants.core.testing import TenantClient

from .conftest import aget, resolver_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _subdomain():
    with resolver_settings("subdomain"):
        yield


def test_slug_subdomain_reaches_its_tenant_and_data(world):
    response = Client().get("/notes/", HTTP_HOST="alpha.example.com")
    assert response.status_code == 200
    assert response.json() == {"tenant": "rs_alpha", "notes": ["alpha-note"]}
    response = Client().get("/whoami/", HTTP_HOST="beta.example.com")
    assert response.json() == {"tenant": "rs_beta", "urlconf": "premium"}  # TENANT_URLCONFS


def test_async_client_reaches_its_tenant(world):
    response = aget("/async-notes/", headers={"host": "beta.example.com"})
    assert response.status_code == 404  # premium urlconf has no async-notes: the urlconf follows the tenant
    response = aget("/async-notes/", headers={"host": "alpha.example.com"})
    assert response.json() == {"tenant": "rs_alpha", "notes": ["alpha-note"]}


@pytest.mark.parametrize("host", ["example.com", "www.example.com", "WWW.Example.COM.", "example.com:8000"])
def test_base_domain_and_www_are_public(world, host):
    response = Client().get("/", HTTP_HOST=host)
    assert response.json() == {"tenant": "public", "urlconf": "public"}  # PUBLIC_SCHEMA_URLCONF


def test_public_subdomains_are_configurable(world):
    with resolver_settings("subdomain", TENANT_PUBLIC_SUBDOMAINS=["www", "app"]):
        assert Client().get("/", HTTP_HOST="app.example.com").json()["tenant"] == "public"
    assert Client().get("/", HTTP_HOST="app.example.com").status_code == 404


def test_host_is_normalised(world):
    response = Client().get("/whoami/", HTTP_HOST="ALPHA.Example.com.:8000")
    assert response.json()["tenant"] == "rs_alpha"


@pytest.mark.parametrize(
    "host",
    [
        "nobody.example.com",  # unknown slug
        "a.alpha.example.com",  # deeper than one label
        "alpha.example.org",  # another domain
        "alpha.example.com.evil.test",  # base domain as a prefix
        "evilexample.com",  # base domain as a suffix without a dot
        "alpha..example.com",  # empty label
        "-alpha.example.com",  # not a DNS label
        "a" * 64 + ".example.com",  # label over 63
        ".".join(["a" * 60] * 5) + ".example.com",  # host over 253
    ],
)
def test_hosts_naming_no_tenant_are_404(world, host):
    assert Client().get("/whoami/", HTTP_HOST=host).status_code == 404


@pytest.mark.parametrize("host", ["аlpha.example.com", "alpha.exаmple.com", "alpha.example.com/x", "alpha example"])
def test_unicode_lookalikes_and_junk_hosts_are_400(world, host):
    # "а" is CYRILLIC SMALL LETTER A; Django rejects non-ASCII hosts before any resolver runs.
    assert Client().get("/whoami/", HTTP_HOST=host).status_code == 400


def test_punycode_lookalike_is_another_host(world):
    lookalike = "аlpha.example.com".encode("idna").decode()
    assert lookalike.startswith("xn--")
    assert Client().get("/whoami/", HTTP_HOST=lookalike).status_code == 404


def test_reverse_and_absolute_links_stay_on_the_tenant(world):
    data = Client().get("/links/", HTTP_HOST="alpha.example.com", secure=True).json()
    assert data["reverse"] == "/links/"
    assert data["absolute"] == "https://alpha.example.com/links/"


def test_url_for_and_tenant_client(world):
    resolver = get_resolver()
    assert resolver.url_for(world.alpha, "/notes/") == "https://alpha.example.com/notes/"
    assert resolver.url_for(world.public) == "https://example.com/"
    with resolver_settings("subdomain", TENANT_URL_SCHEME="http", TENANT_URL_PORT=8000):
        assert tenant_url(world.beta, "notes/") == "http://beta.example.com:8000/notes/"
    with resolver_settings("subdomain", TENANT_URL_PORT=443):
        assert tenant_url(world.beta) == "https://beta.example.com/"
    assert TenantClient(world.alpha).get("/notes/").json()["notes"] == ["alpha-note"]


def test_idn_base_domain(world):
    with resolver_settings("subdomain", TENANT_BASE_DOMAIN="Bücher.Example"):
        assert Client().get("/whoami/", HTTP_HOST="alpha.xn--bcher-kva.example").json()["tenant"] == "rs_alpha"
        assert tenant_url(world.alpha) == "https://alpha.xn--bcher-kva.example/"


@pytest.mark.parametrize("base", [None, "exa mple.com"])
def test_missing_or_invalid_base_domain_serves_no_tenant(world, base):
    # The system check (E001 / E002) stops start-up; at run time nothing is served rather than a guess.
    with resolver_settings("subdomain", TENANT_BASE_DOMAIN=base):
        assert Client().get("/whoami/", HTTP_HOST="alpha.example.com").status_code == 404
        with pytest.raises(NotImplementedError, match="TENANT_BASE_DOMAIN"):
            tenant_url(world.alpha)
