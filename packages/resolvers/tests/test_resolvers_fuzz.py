"""Fuzzing Host headers, paths and X-Tenant headers: only 400, 404, or 200 from the tenant the input names."""

from __future__ import annotations

import contextlib
from urllib.parse import unquote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import resolver_settings

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

#: For each host-based resolver: which host names (lower case, no port, no trailing dot) reach which schema.
HOST_OWNERS: dict[str, dict[str, str]] = {
    "subdomain": {
        "example.com": "public",
        "www.example.com": "public",
        "alpha.example.com": "rs_alpha",
        "beta.example.com": "rs_beta",
    },
    "hostname": {
        "example.com": "public",
        "alpha.example.com": "rs_alpha",
        "alpha-alias.test": "rs_alpha",
        "xn--bcher-kva.example": "rs_alpha",
        "beta.example.com": "rs_beta",
    },
    "hosts": {
        "hosts.test": "public",
        "www.hosts.test": "public",
        "alpha.hosts.test": "rs_alpha",
        "api.alpha.hosts.test": "rs_alpha",
        "beta.hosts.test": "rs_beta",
        "api.beta.hosts.test": "rs_beta",
    },
}
KNOWN_HOSTS = sorted({h for owners in HOST_OWNERS.values() for h in owners} | {"nobody.example.com"})
LOOKALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "l": "ӏ"}  # Cyrillic


def simple_host(host: str) -> str:
    """The oracle's own normalisation: drop a numeric port and one trailing dot, fold case."""
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        host = name
    return host.lower().removesuffix(".")


@st.composite
def mutated_hosts(draw: st.DrawFn) -> str:
    host = draw(st.sampled_from(KNOWN_HOSTS))
    for mutation in draw(st.lists(st.sampled_from(range(9)), max_size=3)):
        if mutation == 0:
            host = host.upper()
        elif mutation == 1:
            host += "."
        elif mutation == 2:
            host += ":" + str(draw(st.integers(0, 99999)))
        elif mutation == 3:
            i = draw(st.integers(0, len(host) - 1))
            host = host[:i] + LOOKALIKES.get(host[i], host[i]) + host[i + 1 :]
        elif mutation == 4:
            host = draw(st.sampled_from(["a.", "www.", "-", "..", "a" * 64 + "."])) + host
        elif mutation == 5:
            host += draw(st.sampled_from([".evil.test", "evil", "..", ":", "/x", "@x", " ", "\x00"]))
        elif mutation == 6:
            host = ".".join([host] * draw(st.integers(2, 6)))
        elif mutation == 7:
            with contextlib.suppress(UnicodeError):
                host = host.encode("idna").decode()
        else:
            host = host.replace(".", draw(st.sampled_from(["..", "。", "", "-"])), 1)
    return host


any_host = st.one_of(mutated_hosts(), st.text(max_size=300))


@pytest.mark.parametrize("name", sorted(HOST_OWNERS))
@FUZZ
@given(host=any_host)
def test_fuzzed_hosts(world, name, host):
    with resolver_settings(name):
        try:
            response = Client().get("/whoami/" if "." in host else "/", HTTP_HOST=host)
        except UnicodeEncodeError:
            return  # not representable in a WSGI environ: no server would deliver it
    assert response.status_code in (200, 400, 404), (host, response.status_code)
    if response.status_code == 200:
        assert HOST_OWNERS[name].get(simple_host(host)) == response.json()["tenant"], host


@st.composite
def mutated_paths(draw: st.DrawFn) -> str:
    slug = draw(st.sampled_from(["alpha", "beta", "nobody", "", ".", "..", "ALPHA", "аlpha", "a" * 64]))
    sep = draw(st.sampled_from(["/", "%2F", "%2f", "//", "/./", "/../"]))
    prefix = draw(st.sampled_from(["/t/", "/t", "/t%2F", "/T/", "//t/", "/", ""]))
    rest = draw(st.sampled_from(["whoami/", "", "../whoami/", "%2E%2E/whoami/", "notes/"]))
    return prefix + slug + sep + rest


@pytest.mark.parametrize("public", [True, False])
@FUZZ
@given(path=st.one_of(mutated_paths(), st.text(max_size=80).map(lambda s: "/" + s)))
def test_fuzzed_paths(world, public, path):
    with resolver_settings("path", TENANT_PATH_PUBLIC=public):
        response = Client().get(path)
    assert response.status_code in (200, 301, 400, 404), (path, response.status_code)
    if response.status_code == 200:
        tenant = response.json()["tenant"]
        decoded = unquote(path.split("?")[0].split("#")[0])
        if tenant == "public":
            assert public and not decoded.startswith("/t/") and decoded != "/t", path
        else:
            slug = {"rs_alpha": "alpha", "rs_beta": "beta"}[tenant]
            assert decoded.startswith(f"/t/{slug}/") or decoded == f"/t/{slug}", path


@FUZZ
@given(
    value=st.one_of(st.sampled_from(["alpha", " beta ", "ALPHA", "nobody", "аlpha", "alpha,beta", ""]), st.text()),
    remote=st.sampled_from(["10.0.0.9", "127.0.0.1", "::ffff:10.0.0.9", "203.0.113.5", "garbage", ""]),
)
def test_fuzzed_headers(world, value, remote):
    with resolver_settings("header", TENANT_RESOLVER=["header", "hostname"]):
        try:
            response = Client().get("/whoami/", HTTP_HOST="beta.example.com", HTTP_X_TENANT=value, REMOTE_ADDR=remote)
        except UnicodeEncodeError:
            return
    trusted = remote in {"10.0.0.9", "::ffff:10.0.0.9"}
    named = value.strip().lower()
    assert response.status_code in (200, 404), (value, remote)
    if response.status_code == 200:
        tenant = response.json()["tenant"]
        if trusted and named:
            assert {"rs_alpha": "alpha", "rs_beta": "beta"}.get(tenant) == named, (value, remote)
        else:
            assert tenant == "rs_beta", (value, remote)  # the header was ignored; the host decides
