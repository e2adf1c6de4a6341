"""Every pg_tenants_resolvers system check, triggered through Django's check framework."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from .conftest import resolver_settings


def resolver_messages() -> list[tuple[str, str]]:
    """(id, message) of the resolvers' check messages (run by the core's check_resolver)."""
    return [(m.id, m.msg) for m in run_checks() if (m.id or "").startswith("pg_tenants_resolvers.")]


def ids() -> list[str]:
    return [cid for cid, _ in resolver_messages()]


@pytest.mark.parametrize("name", ["subdomain", "hostname", "header", "path", "hosts"])
def test_configured_resolvers_pass(name):
    with resolver_settings(name):
        assert resolver_messages() == []


def test_e001_subdomain_needs_base_domain():
    with resolver_settings("subdomain", TENANT_BASE_DOMAIN=None):
        [(cid, msg)] = resolver_messages()
    assert cid == "pg_tenants_resolvers.E001"
    assert "TENANT_BASE_DOMAIN is not set" in msg


@pytest.mark.parametrize("value", ["https://example.com", "example.com:8000", "exa mple.com", "a..b", "example.com/x"])
def test_e002_base_domain_must_be_a_domain(value):
    with resolver_settings("subdomain", TENANT_BASE_DOMAIN=value):
        assert ids() == ["pg_tenants_resolvers.E002"]


@pytest.mark.parametrize("name", ["subdomain", "hostname", "hosts"])
def test_e003_e004_link_scheme_and_port(name):
    with resolver_settings(name, TENANT_URL_SCHEME="ftp", TENANT_URL_PORT="eighty"):
        assert ids() == ["pg_tenants_resolvers.E003", "pg_tenants_resolvers.E004"]
    with resolver_settings(name, TENANT_URL_SCHEME="HTTP", TENANT_URL_PORT=70000):
        assert ids() == ["pg_tenants_resolvers.E004"]


@pytest.mark.parametrize("name", ["header", "path"])
@pytest.mark.parametrize("value", ["app.example.com", "ftp://x.test", "https://", "https://a.test/?q=1"])
def test_e005_base_url_must_be_absolute(name, value):
    with resolver_settings(name, TENANT_BASE_URL=value):
        assert ids() == ["pg_tenants_resolvers.E005"]


def test_w001_header_links_need_a_base_url():
    with resolver_settings("header", TENANT_BASE_URL=None):
        [(cid, msg)] = resolver_messages()
    assert cid == "pg_tenants_resolvers.W001"
    assert "The header resolver cannot build links" in msg


def test_w001_path_links_are_only_site_relative_without_a_base_url():
    with resolver_settings("path", TENANT_BASE_URL=None):
        [(cid, msg)] = resolver_messages()
    assert cid == "pg_tenants_resolvers.W001"
    assert "builds only site-relative links" in msg
    assert "absolute=True" in msg


@pytest.mark.parametrize("value", ["", "X Tenant", "X-Tenant:", "-X"])
def test_e006_header_name(value):
    with resolver_settings("header", TENANT_HEADER_NAME=value):
        assert ids() == ["pg_tenants_resolvers.E006"]


def test_e007_trusted_proxies_are_addresses():
    with resolver_settings("header", TENANT_TRUSTED_PROXIES=["10.0.0.0/8", "proxy.internal", "10.0.0.0/33"]):
        messages = resolver_messages()
    assert [cid for cid, _ in messages] == ["pg_tenants_resolvers.E007"] * 2
    assert "'proxy.internal'" in messages[0][1]


@pytest.mark.parametrize("value", ["sandbox.trust.missing", "nowhere.check", 42])
def test_e008_trusted_proxy_check(value):
    with resolver_settings("header", TENANT_TRUSTED_PROXIES=[], TENANT_TRUSTED_PROXY_CHECK=value):
        assert ids() == ["pg_tenants_resolvers.E008"]


def test_w002_header_trusts_nobody():
    with resolver_settings("header", TENANT_TRUSTED_PROXIES=[]):
        [(cid, msg)] = resolver_messages()
    assert cid == "pg_tenants_resolvers.W002"
    assert "X-Tenant header is always ignored" in msg
    with resolver_settings(
        "header", TENANT_TRUSTED_PROXIES=[], TENANT_TRUSTED_PROXY_CHECK="sandbox.trust.has_proxy_secret"
    ):
        assert ids() == []


@pytest.mark.parametrize("value", ["t/../x", "a b", "t/?", "./t", "t//x"])
def test_e009_path_prefix(value):
    with resolver_settings("path", TENANT_PATH_PREFIX=value):
        assert ids() == ["pg_tenants_resolvers.E009"]


@pytest.mark.parametrize("value", ["", "/", "orgs/x", "/t/"])
def test_path_prefix_accepted(value):
    with resolver_settings("path", TENANT_PATH_PREFIX=value):
        assert ids() == []


def test_e010_hostname_needs_domain_model():
    with resolver_settings("hostname", TENANT_DOMAIN_MODEL=""):
        assert ids() == ["pg_tenants_resolvers.E010"]


@pytest.mark.parametrize("conf", [None, "sandbox.nowhere", "sandbox.urls"])
def test_e012_hosts_needs_a_hostconf(conf):
    with resolver_settings("hosts", ROOT_HOSTCONF=conf):
        messages = resolver_messages()
    assert [cid for cid, _ in messages] == ["pg_tenants_resolvers.E012"]


def test_e013_hosts_needs_the_tenant_group():
    with resolver_settings("hosts", TENANT_HOSTS_GROUP="org"):
        [(cid, msg)] = resolver_messages()
    assert cid == "pg_tenants_resolvers.E013"
    assert "(?P<org>...)" in msg
    with resolver_settings("hosts", TENANT_HOSTS_TENANT_HOST="www"):
        assert ids() == ["pg_tenants_resolvers.E013"]


def test_w003_hosts_public_host():
    with resolver_settings("hosts", DEFAULT_HOST="nope"):
        assert ids() == ["pg_tenants_resolvers.W003"]
    with resolver_settings("hosts", DEFAULT_HOST=None, TENANT_HOSTS_PUBLIC_HOST="apex"):
        assert ids() == []


def test_w004_django_hosts_middleware():
    from django.conf import settings

    middleware = [*settings.MIDDLEWARE, "django_hosts.middleware.HostsRequestMiddleware"]
    with resolver_settings("hosts", MIDDLEWARE=middleware):
        assert ids() == ["pg_tenants_resolvers.W004"]


@pytest.mark.parametrize(
    ("name", "setting", "value", "wanted"),
    [
        ("path", "TENANT_PATH_PUBLIC", "False", "True or False"),
        ("subdomain", "TENANT_PUBLIC_SUBDOMAINS", "www", "a list of strings"),
        ("header", "TENANT_HEADER_NAME", 7, "a string"),
        ("hosts", "TENANT_HOSTS_GROUP", ["tenant"], "a string"),
        ("hostname", "TENANT_URL_SCHEME", b"https", "a string"),
    ],
)
def test_e014_setting_of_the_wrong_type(name, setting, value, wanted):
    with resolver_settings(name, **{setting: value}):
        [(cid, msg)] = resolver_messages()
    assert cid == "pg_tenants_resolvers.E014"
    assert msg == f"{setting} is {value!r}, which is not {wanted}."
