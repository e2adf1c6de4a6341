"""Fixtures for the resolvers' tests: committed tenants, per-test domains and notes, settings per resolver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, override_settings

from pg_tenants.core import tenant_context
from pg_tenants.core.cache import tenant_cache
from pg_tenants.core.testing import get_test_tenant
from sandbox.customers.models import Client, Domain
from sandbox.notes.models import Note

#: Settings that make each resolver the only one, with what it needs to work.
RESOLVER_SETTINGS: dict[str, dict[str, Any]] = {
    "subdomain": {"TENANT_RESOLVER": "subdomain", "TENANT_BASE_DOMAIN": "example.com"},
    "hostname": {"TENANT_RESOLVER": "hostname"},
    "header": {
        "TENANT_RESOLVER": "header",
        "TENANT_TRUSTED_PROXIES": ["10.0.0.0/8"],
        "TENANT_BASE_URL": "https://app.example.com",
    },
    "path": {"TENANT_RESOLVER": "path", "TENANT_BASE_URL": "https://app.example.com"},
    "hosts": {"TENANT_RESOLVER": "hosts", "ROOT_HOSTCONF": "sandbox.hosts", "DEFAULT_HOST": "www"},
}
COMMON = {"ROOT_URLCONF": "sandbox.urls_resolvers", "TENANT_URL_SCHEME": "https"}
#: Where a trusted proxy connects from in these tests (inside RESOLVER_SETTINGS["header"]'s network).
PROXY = "10.1.2.3"


def resolver_settings(name: str, **extra: Any) -> override_settings:
    """``override_settings`` for resolver ``name`` (plus ``extra``)."""
    return override_settings(**{**COMMON, **RESOLVER_SETTINGS[name], **extra})


def tenant_request(name: str, slug: str | None, path: str) -> tuple[str, dict[str, str]]:
    """The path and WSGI environ entries that reach ``path`` on tenant ``slug`` (``None``: public) under ``name``.

    Uses the hosts and domains of :func:`world` and the settings of :func:`resolver_settings`.
    """
    if name == "path":
        return (f"/t/{slug}{path}" if slug else path), {}
    if name == "header":
        extra = {"HTTP_HOST": "app.example.com", "REMOTE_ADDR": PROXY}
        return path, {**extra, "HTTP_X_TENANT": slug} if slug else extra
    if name == "hosts":
        return path, {"HTTP_HOST": f"{slug}.hosts.test" if slug else "www.hosts.test"}
    return path, {"HTTP_HOST": f"{slug}.example.com" if slug else "example.com"}  # subdomain, hostname


@dataclass
class World:
    public: Client
    alpha: Client
    beta: Client


@pytest.fixture(scope="session")
def rs_tenants(django_db_setup: Any, django_db_blocker: Any) -> tuple[Client, Client]:
    """Two committed tenants, created once per run: alpha (no type) and beta (type "premium")."""
    with django_db_blocker.unblock():
        alpha = get_test_tenant("rs_alpha", slug="alpha", name="Alpha")
        beta = get_test_tenant("rs_beta", slug="beta", name="Beta", tenant_type="premium")
    return alpha, beta  # type: ignore[return-value]


@pytest.fixture
def world(rs_tenants: tuple[Client, Client], db: Any) -> World:
    """The public row, domains and one note per tenant (rolled back after the test)."""
    alpha, beta = rs_tenants
    public, _ = Client.objects.get_or_create(schema_name="public", defaults={"slug": "public"})
    Domain.objects.create(domain="example.com", tenant=public, is_primary=True)
    Domain.objects.create(domain="alpha.example.com", tenant=alpha, is_primary=True)
    Domain.objects.create(domain="alpha-alias.test", tenant=alpha, is_primary=False)
    Domain.objects.create(domain="bücher.example", tenant=alpha, is_primary=False)
    Domain.objects.create(domain="beta.example.com", tenant=beta, is_primary=True)
    for tenant in (alpha, beta):
        with tenant_context(tenant):
            Note.objects.create(title=f"{tenant.slug}-note")
    tenant_cache.clear()
    return World(public=public, alpha=alpha, beta=beta)


@pytest.fixture(autouse=True)
def _fresh_tenant_cache() -> Iterator[None]:
    tenant_cache.clear()
    yield
    tenant_cache.clear()


class HostAsyncClient(AsyncClient):
    """An ``AsyncClient`` whose ``host`` header replaces the default one.

    Django's ``AsyncRequestFactory`` always sends ``host: testserver`` and
    appends the caller's, which ``ASGIRequest`` joins into
    ``"testserver,acme.example.com"``.
    """

    def __init__(self, *args: Any, remote_addr: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remote_addr = remote_addr

    def request(self, **request: Any) -> Any:
        if self.remote_addr is not None:
            request["client"] = [self.remote_addr, 0]
        headers = request.get("headers", [])
        hosts = [h for h in headers if h[0] == b"host"]
        if len(hosts) > 1:
            request["headers"] = [h for h in headers if h[0] != b"host"] + [hosts[-1]]
        return super().request(**request)


def aget(path: str, remote_addr: str | None = None, **kwargs: Any) -> Any:
    """``HostAsyncClient().get(path, **kwargs)`` run from sync code (ORM on the test's connection)."""
    return async_to_sync(HostAsyncClient(remote_addr=remote_addr).get)(path, **kwargs)
