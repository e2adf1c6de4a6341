"""TenantMiddleware: the right tenant, urlconf and statements for every request."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient, Client, override_settings
from django.test.utils import CaptureQueriesContext

from pg_tenants.core import tenant_context
from pg_tenants.core.cache import tenant_cache
from pg_tenants.core.resolvers import get_resolver, merge_headers
from pg_tenants.core.testing import AsyncTenantClient, CaptureSearchPath
from sandbox.notes.models import Note


def host(slug: str) -> dict[str, str]:
    return {"HTTP_HOST": f"{slug}.tenants.test"}


@pytest.mark.django_db
def test_request_reads_its_own_tenant(seeded):
    client = Client()
    assert client.get("/notes/", **host("acme")).json() == {"tenant": "acme", "notes": ["acme-note"]}
    assert client.get("/notes/", **host("globex")).json() == {"tenant": "globex", "notes": ["globex-note"]}


@pytest.mark.django_db(transaction=True)
def test_warm_persistent_connection_runs_only_the_views_statements(acme_globex):
    acme, globex = acme_globex
    client = Client()
    old_max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 600  # persistent connection across requests
    connection.close()  # the next connection is opened with the new CONN_MAX_AGE
    try:
        for slug in ("acme", "globex", "acme"):
            client.get("/notes/", **host(slug))  # warms the tenant cache and the connection
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/notes/", **host("acme"))
        assert response.status_code == 200
        assert [q["sql"] for q in ctx.captured_queries] == [
            'SELECT "notes_note"."id", "notes_note"."title", "notes_note"."category_id" FROM "notes_note"'
        ]
        with CaptureQueriesContext(connection) as ctx, CaptureSearchPath(connection) as paths:
            client.get("/notes/", **host("globex"))
        assert [q["sql"][:22] for q in ctx.captured_queries] == ['SELECT "notes_note"."i']
        assert paths.schemas == ["globex"]
        with CaptureQueriesContext(connection) as ctx:
            client.get("/notes/", **host("globex"))
        assert len(ctx) == 1
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = old_max_age
        connection.close()


@pytest.mark.django_db
def test_warm_cache_costs_no_sql(seeded):
    client = Client()
    client.get("/whoami/", **host("acme"))
    misses = tenant_cache.misses
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/whoami/", **host("acme")).json()["tenant"] == "acme"
    assert tenant_cache.misses == misses
    assert [q["sql"] for q in ctx.captured_queries if "customers_" in q["sql"]] == []


@pytest.mark.django_db
def test_unknown_tenant_is_404(seeded):
    client = Client()
    assert client.get("/notes/", **host("nobody")).status_code == 404
    assert client.get("/notes/", HTTP_HOST="elsewhere.example").status_code == 404


@pytest.mark.django_db
def test_inactive_tenant_is_not_served(seeded):
    acme, _ = seeded
    acme.is_active = False
    acme.save()
    try:
        assert Client().get("/notes/", **host("acme")).status_code == 404
    finally:
        acme.is_active = True
        acme.save()


@pytest.mark.django_db
@override_settings(TENANT_NOT_FOUND="public")
def test_unknown_tenant_can_fall_back_to_public(seeded):
    assert Client().get("/", **host("nobody")).json() == {"tenant": "public", "urlconf": "public"}


@pytest.mark.django_db
@override_settings(TENANT_NOT_FOUND="sandbox.views.tenant_not_found")
def test_unknown_tenant_can_go_to_a_view(seeded):
    response = Client().get("/whatever/", **host("nobody"))
    assert response.status_code == 404
    assert response.json() == {"unknown": "nobody.tenants.test", "tenant": None}


@pytest.mark.django_db
def test_public_tenant_uses_public_urlconf(seeded):
    client = Client()
    assert client.get("/", HTTP_HOST="tenants.test").json() == {"tenant": "public", "urlconf": "public"}
    assert client.get("/notes/", HTTP_HOST="tenants.test").status_code == 404  # not in the public urlconf


@pytest.mark.django_db
def test_tenant_type_selects_its_urlconf(seeded):
    acme, _ = seeded
    client = Client()
    assert client.get("/whoami/", **host("acme")).json()["urlconf"] == "tenant"
    acme.tenant_type = "premium"
    acme.save()  # invalidates the cached tenant
    try:
        assert client.get("/whoami/", **host("acme")).json() == {"tenant": "acme", "urlconf": "premium"}
    finally:
        acme.tenant_type = ""
        acme.save()


@pytest.mark.django_db
def test_streaming_body_runs_in_the_requests_tenant(seeded):
    response = Client().get("/stream/", **host("globex"))
    assert b"".join(response.streaming_content).decode() == "globex-note\nschema:globex"


@pytest.mark.django_db(transaction=True)
async def test_async_client_reaches_each_tenant(acme_globex):
    from asgiref.sync import sync_to_async
    from django.db import connections

    acme, globex = acme_globex

    def seed() -> None:
        for tenant in (acme, globex):
            with tenant_context(tenant):
                Note.objects.create(title=f"{tenant.schema_name}-async")

    def clean() -> None:
        for tenant in (acme, globex):
            with tenant_context(tenant):
                Note.objects.all().delete()
        connections.close_all()

    await sync_to_async(seed)()
    try:
        clients = {t.schema_name: AsyncTenantClient(t) for t in (acme, globex)}
        for slug in ("acme", "globex", "acme"):
            for url in ("/async-notes/", "/notes/", "/async-stream/"):
                response = await clients[slug].get(url)
                if url == "/async-stream/":
                    body = b"".join([chunk async for chunk in response.streaming_content]).decode()
                    assert body == f"{slug}-async\nschema:{slug}"
                else:
                    assert response.status_code == 200, (slug, url, response.content[:300])
                    assert response.json() == {"tenant": slug, "notes": [f"{slug}-async"]}
        unknown = await AsyncClient().get("/notes/")  # Host: testserver is no tenant
        assert unknown.status_code == 404
    finally:
        await sync_to_async(clean)()


# -- Vary: a resolver that chooses the tenant by a request header --------------------------

HEADER_ONLY = "sandbox.resolvers.HeaderOnlyResolver"


def header_get(mode: str, path: str, tenant: str | None = None):
    """GET ``path`` through the sync or the async middleware path, naming ``tenant`` in X-Sandbox-Tenant."""
    if mode == "sync":
        extra = {"HTTP_X_SANDBOX_TENANT": tenant} if tenant else {}
        return Client().get(path, **extra)
    headers = {"x-sandbox-tenant": tenant} if tenant else {}
    return async_to_sync(AsyncClient().get)(path, headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["sync", "async"])
@override_settings(TENANT_RESOLVER=HEADER_ONLY)
def test_every_response_varies_on_the_resolvers_header(seeded, mode):
    served = header_get(mode, "/whoami/", "acme")
    assert (served.json()["tenant"], served["Vary"]) == ("acme", "X-Sandbox-Tenant")
    for unknown in (header_get(mode, "/whoami/", "nobody"), header_get(mode, "/whoami/")):
        assert (unknown.status_code, unknown["Vary"]) == (404, "X-Sandbox-Tenant")
    with override_settings(TENANT_NOT_FOUND="public"):
        public = header_get(mode, "/")
        assert (public.json()["tenant"], public["Vary"]) == ("public", "X-Sandbox-Tenant")
    with override_settings(TENANT_NOT_FOUND="sandbox.views.tenant_not_found"):
        view = header_get(mode, "/whoami/", "nobody")
        assert (view.json()["tenant"], view["Vary"]) == (None, "X-Sandbox-Tenant")


@pytest.mark.django_db
def test_host_resolved_responses_do_not_vary(seeded):
    assert not Client().get("/whoami/", **host("acme")).has_header("Vary")
    assert not Client().get("/whoami/", **host("nobody")).has_header("Vary")


@pytest.mark.django_db
@override_settings(TENANT_RESOLVER=[HEADER_ONLY, "sandbox.resolvers.SlugHostResolver", HEADER_ONLY])
def test_a_chain_varies_on_its_members_headers(seeded):
    assert get_resolver().vary_headers() == ("X-Sandbox-Tenant",)
    response = Client().get("/whoami/", **host("globex"))  # resolved by the host, still varies
    assert (response.json()["tenant"], response["Vary"]) == ("globex", "X-Sandbox-Tenant")


def test_vary_headers_merge_case_insensitively():
    assert merge_headers(["X-Tenant"], ["x-tenant", "X-Region"], []) == ("X-Tenant", "X-Region")
