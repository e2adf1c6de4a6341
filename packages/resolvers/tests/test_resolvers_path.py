"""The path resolver: /t/<slug>/ moves into SCRIPT_NAME, so every link keeps it."""

from __future__ import annotations

import pytest
from django.test import Client

from pg_tenants.core.resolvers import TenantURLNotAbsolute, tenant_url
from pg_tenants.core.testing import TenantClient

from .conftest import aget, resolver_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _path():
    with resolver_settings("path"):
        yield


def test_prefix_selects_the_tenant_and_the_view_sees_the_rest(world):
    assert Client().get("/t/alpha/notes/").json() == {"tenant": "rs_alpha", "notes": ["alpha-note"]}
    assert Client().get("/t/beta/whoami/").json() == {"tenant": "rs_beta", "urlconf": "premium"}
    data = Client().get("/t/alpha/links/?q=1").json()
    assert data["path_info"] == "/links/"
    assert data["path"] == "/t/alpha/links/"
    assert data["full_path"] == "/t/alpha/links/?q=1"


def test_async_client(world):
    assert aget("/t/alpha/async-notes/").json() == {"tenant": "rs_alpha", "notes": ["alpha-note"]}
    assert aget("/t/alpha/links/").json()["reverse"] == "/t/alpha/links/"


def test_outside_the_prefix_is_public(world):
    assert Client().get("/").json() == {"tenant": "public", "urlconf": "public"}
    with resolver_settings("path", TENANT_PATH_PUBLIC=False):
        assert Client().get("/").status_code == 404


def test_links_keep_the_prefix(world):
    data = Client().get("/t/alpha/links/", secure=True).json()
    assert data["reverse"] == "/t/alpha/links/"
    assert data["template"] == "/t/alpha/links/"
    assert data["absolute"] == "https://testserver/t/alpha/links/"
    assert Client().get("/t/alpha/go/")["Location"] == "/t/alpha/links/"


def test_login_redirect_keeps_the_prefix(world):
    # LOGIN_URL as a URL name is reversed inside the tenant; a literal "/accounts/login/" would not be.
    with resolver_settings("path", LOGIN_URL="login"):
        response = Client().get("/t/alpha/private/")
    assert response.status_code == 302
    assert response["Location"] == "/t/alpha/accounts/login/?next=/t/alpha/private/"


def test_script_prefix_is_restored_after_the_request(world):
    from django.urls import get_script_prefix, reverse

    Client().get("/t/alpha/links/")
    assert get_script_prefix() == "/"
    assert reverse("links") == "/links/"


def test_mounted_under_a_script_name(world):
    data = Client().get("/t/alpha/links/", SCRIPT_NAME="/app").json()
    assert data["reverse"] == "/app/t/alpha/links/"
    assert data["path_info"] == "/links/"


@pytest.mark.parametrize(
    "path",
    [
        "/t/nobody/whoami/",  # unknown slug
        "/t/../admin/",  # dot segments
        "/t/./whoami/",
        "/t//",  # empty slug
        "/t//whoami/",
        "/t/",
        "/t",
        "/t/ALPHA/whoami/",  # slugs are lower case
        "/t/alpha%2Fwhoami/",  # a percent-encoded slash decodes into a path separator: alpha, /whoami/
        "/t%2Falpha/whoami/",  # same: /t/alpha/whoami/
        "/t/al%2Fpha/whoami/",  # slug "al"
        "/t/alpha%00/whoami/",
        "/t/%61lpha/whoami/",  # percent-encoded letters decode to alpha
        "/t/" + "a" * 64 + "/whoami/",
        "/t/alpha/../whoami/",  # alpha's urlconf sees /../whoami/
        "/t/аlpha/whoami/",  # Cyrillic а
    ],
)
def test_bad_paths_never_reach_another_tenant(world, path):
    response = Client().get(path)
    assert response.status_code in (200, 404), path
    if response.status_code == 200:
        assert response.json()["tenant"] == "rs_alpha", path  # the tenant the decoded path names


def test_decoded_slash_and_dot_segments(world):
    assert Client().get("/t/alpha%2Fwhoami/").json()["tenant"] == "rs_alpha"
    assert Client().get("/t/../admin/").status_code == 404
    assert Client().get("/t//").status_code == 404


def test_prefix_is_configurable(world):
    with resolver_settings("path", TENANT_PATH_PREFIX="/orgs/x/"):
        assert Client().get("/orgs/x/alpha/whoami/").json()["tenant"] == "rs_alpha"
        assert Client().get("/t/alpha/whoami/").status_code == 404  # public urlconf has no such path
        assert tenant_url(world.alpha, "/n/") == "https://app.example.com/orgs/x/alpha/n/"
        assert Client().get("/orgs/x/alpha/links/").json()["reverse"] == "/orgs/x/alpha/links/"
    with resolver_settings("path", TENANT_PATH_PREFIX=""):
        assert Client().get("/alpha/whoami/").json()["tenant"] == "rs_alpha"
        assert Client().get("/").json()["tenant"] == "public"
        assert tenant_url(world.beta) == "https://app.example.com/beta/"


def test_url_for_and_tenant_client(world):
    assert tenant_url(world.alpha, "/notes/") == "https://app.example.com/t/alpha/notes/"
    assert tenant_url(world.public, "/") == "https://app.example.com/"
    with resolver_settings("path", TENANT_BASE_URL="http://localhost:8000/app/"):
        assert tenant_url(world.alpha, "notes/") == "http://localhost:8000/app/t/alpha/notes/"
    client = TenantClient(world.alpha)
    assert client.get("/notes/").json()["notes"] == ["alpha-note"]
    assert client.get("/links/").json()["reverse"] == "/t/alpha/links/"


def test_links_without_a_base_url_are_site_relative(world):
    with resolver_settings("path", TENANT_BASE_URL=None):
        assert tenant_url(world.alpha, "/notes/") == "/t/alpha/notes/"
        assert tenant_url(world.alpha, "notes/") == "/t/alpha/notes/"
        assert tenant_url(world.public, "/pricing/") == "/pricing/"
        with resolver_settings("path", TENANT_BASE_URL=None, TENANT_PATH_PREFIX="orgs/x"):
            assert tenant_url(world.beta) == "/orgs/x/beta/"
        with resolver_settings("path", TENANT_BASE_URL=None, TENANT_PATH_PREFIX=""):
            assert tenant_url(world.beta, "/n/") == "/beta/n/"
        with resolver_settings("path", TENANT_BASE_URL=None, FORCE_SCRIPT_NAME="/app/"):
            assert tenant_url(world.alpha, "/n/") == "/app/t/alpha/n/"
            assert tenant_url(world.public) == "/app/"
        # A relative link is followed on the site itself: the test client, a redirect.
        client = TenantClient(world.alpha)
        assert client.get("/notes/").json()["notes"] == ["alpha-note"]
        location = Client().get("/t/alpha/go/")["Location"]
        assert Client().get(location).json()["tenant"] == "rs_alpha"


def test_absolute_links_need_the_base_url(world):
    assert tenant_url(world.alpha, "/n/", absolute=True) == "https://app.example.com/t/alpha/n/"
    with resolver_settings("path", TENANT_BASE_URL=None):
        with pytest.raises(TenantURLNotAbsolute, match="site-relative link '/t/alpha/n/'.*TENANT_BASE_URL"):
            tenant_url(world.alpha, "/n/", absolute=True)
        with resolver_settings("path", TENANT_BASE_URL=None, TENANT_RESOLVER=["path", "hostname"]):
            assert tenant_url(world.alpha, "/n/") == "/t/alpha/n/"  # the first resolver's link
            assert tenant_url(world.alpha, "/n/", absolute=True) == "https://alpha.example.com/n/"
