"""The header resolver: honoured from trusted proxies only; and chains with it."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from pg_tenants.core.resolvers import get_resolver, tenant_url
from pg_tenants.core.testing import TenantClient
from pg_tenants.resolvers import TenantURLUnavailable

from .conftest import aget, resolver_settings

pytestmark = pytest.mark.django_db
PROXY = "10.1.2.3"


@pytest.fixture(autouse=True)
def _header():
    with resolver_settings("header"):
        yield


def test_trusted_proxy_chooses_the_tenant(world):
    response = Client().get("/notes/", HTTP_X_TENANT="alpha", REMOTE_ADDR=PROXY)
    assert response.json() == {"tenant": "rs_alpha", "notes": ["alpha-note"]}
    response = Client().get("/whoami/", HTTP_X_TENANT=" Beta ", REMOTE_ADDR=PROXY)
    assert response.json() == {"tenant": "rs_beta", "urlconf": "premium"}


def test_links_built_by_reverse(world):
    data = Client().get("/links/", HTTP_HOST="app.example.com", HTTP_X_TENANT="alpha", REMOTE_ADDR=PROXY).json()
    assert data["tenant"] == "rs_alpha"
    assert data["reverse"] == data["template"] == "/links/"
    assert data["absolute"] == "http://app.example.com/links/"


def test_async_client(world):
    response = aget("/async-notes/", remote_addr=PROXY, headers={"x-tenant": "alpha"})
    assert response.json() == {"tenant": "rs_alpha", "notes": ["alpha-note"]}
    assert aget("/async-notes/", headers={"x-tenant": "alpha"}).status_code == 404  # from 127.0.0.1


def test_untrusted_header_is_ignored_and_logged(world, caplog):
    with caplog.at_level(logging.WARNING, logger="pg_tenants.resolvers"):
        response = Client().get("/whoami/", HTTP_X_TENANT="alpha", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404  # the header alone names no tenant here
    assert "Ignored the X-Tenant header 'alpha' from '203.0.113.9'" in caplog.text


@pytest.mark.parametrize("value", ["nobody", "../public", "ALPHA!", "a" * 64, "alpha,beta"])
def test_trusted_header_naming_no_tenant_is_404(world, value):
    assert Client().get("/whoami/", HTTP_X_TENANT=value, REMOTE_ADDR=PROXY).status_code == 404


def test_no_header_is_no_tenant(world):
    assert Client().get("/whoami/", REMOTE_ADDR=PROXY).status_code == 404


@pytest.mark.parametrize(
    ("proxies", "remote_addr", "trusted"),
    [
        (["10.1.2.3"], "10.1.2.3", True),
        (["10.1.2.3"], "10.1.2.4", False),
        (["2001:db8::/32"], "2001:db8::7", True),
        (["10.0.0.0/8"], "::ffff:10.9.9.9", True),  # IPv4-mapped IPv6
        (["10.0.0.0/8"], "not-an-ip", False),
        (["10.0.0.0/8"], "", False),
        ("127.0.0.1", "127.0.0.1", True),  # a single string is one entry
        (["not-a-network", "10.0.0.0/8"], "10.0.0.1", True),  # invalid entries are skipped (E007 reports them)
        ([], "127.0.0.1", False),
    ],
)
def test_trusted_proxies_by_address(world, proxies, remote_addr, trusted):
    with resolver_settings("header", TENANT_TRUSTED_PROXIES=proxies):
        response = Client().get("/whoami/", HTTP_X_TENANT="alpha", REMOTE_ADDR=remote_addr)
    assert response.status_code == (200 if trusted else 404)


@pytest.mark.parametrize("check", ["sandbox.trust.has_proxy_secret", "sandbox.trust.missing", None])
def test_trusted_proxy_check(world, check):
    from sandbox.trust import has_proxy_secret

    value = has_proxy_secret if check is None else check
    with resolver_settings("header", TENANT_TRUSTED_PROXIES=[], TENANT_TRUSTED_PROXY_CHECK=value):
        with_secret = Client().get("/whoami/", HTTP_X_TENANT="alpha", HTTP_X_PROXY_SECRET="s3cret")
        without = Client().get("/whoami/", HTTP_X_TENANT="alpha", HTTP_X_PROXY_SECRET="guess")
    assert with_secret.status_code == (404 if check == "sandbox.trust.missing" else 200)
    assert without.status_code == 404


def test_header_name_is_configurable(world):
    with resolver_settings("header", TENANT_HEADER_NAME="X-Org"):
        assert Client().get("/whoami/", HTTP_X_ORG="alpha", REMOTE_ADDR=PROXY).json()["tenant"] == "rs_alpha"
        assert Client().get("/whoami/", HTTP_X_TENANT="alpha", REMOTE_ADDR=PROXY).status_code == 404


def test_links_use_the_base_url_and_tenant_client_sends_the_header(world):
    resolver = get_resolver()
    assert tenant_url(world.alpha, "/notes/") == "https://app.example.com/notes/"
    assert resolver.client_headers(world.alpha) == {"HTTP_X_TENANT": "alpha", "REMOTE_ADDR": "10.0.0.1"}
    assert TenantClient(world.alpha).get("/notes/").json()["notes"] == ["alpha-note"]
    assert TenantClient(world.beta).get("/whoami/").json()["urlconf"] == "premium"
    with resolver_settings("header", TENANT_TRUSTED_PROXIES=["127.0.0.0/8"]):
        assert get_resolver().client_headers(world.alpha) == {"HTTP_X_TENANT": "alpha"}
    with (
        resolver_settings("header", TENANT_BASE_URL=None),
        pytest.raises(TenantURLUnavailable, match="TENANT_BASE_URL"),
    ):
        tenant_url(world.alpha)


# -- chains ------------------------------------------------------------------------


@pytest.fixture
def chain():
    with resolver_settings("header", TENANT_RESOLVER=["header", "hostname"]):
        yield


def test_chain_first_match_wins(world, chain):
    response = Client().get("/whoami/", HTTP_HOST="beta.example.com", HTTP_X_TENANT="alpha", REMOTE_ADDR=PROXY)
    assert response.json()["tenant"] == "rs_alpha"
    assert Client().get("/whoami/", HTTP_HOST="beta.example.com", REMOTE_ADDR=PROXY).json()["tenant"] == "rs_beta"


def test_chain_untrusted_header_falls_through_to_the_host(world, chain):
    response = Client().get("/whoami/", HTTP_HOST="beta.example.com", HTTP_X_TENANT="alpha")
    assert response.json()["tenant"] == "rs_beta"


def test_chain_trusted_bogus_header_is_404_not_the_host(world, chain):
    response = Client().get("/whoami/", HTTP_HOST="beta.example.com", HTTP_X_TENANT="../x", REMOTE_ADDR=PROXY)
    assert response.status_code == 404


def test_chain_links_come_from_the_first_resolver_that_can_build_one(world, chain):
    assert tenant_url(world.beta, "/n/") == "https://app.example.com/n/"
    with resolver_settings("header", TENANT_RESOLVER=["header", "hostname"], TENANT_BASE_URL=None):
        assert tenant_url(world.beta, "/n/") == "https://beta.example.com/n/"


def test_chain_subdomain_then_hostname_for_custom_domains(world):
    with resolver_settings("subdomain", TENANT_RESOLVER=["subdomain", "hostname"]):
        assert Client().get("/whoami/", HTTP_HOST="alpha-alias.test").json()["tenant"] == "rs_alpha"
        assert Client().get("/whoami/", HTTP_HOST="beta.example.com").json()["tenant"] == "rs_beta"
        assert Client().get("/whoami/", HTTP_HOST="www.example.com").json()["tenant"] == "public"
        assert Client().get("/whoami/", HTTP_HOST="nobody.example.com").status_code == 404
