"""Isolation outside the backend: the tenant cache, shared contexts, streamed bodies, async code, missing schemas.

Each test goes through the path an application takes (a request through
Django's handlers, a context shared by threads, a lookup racing a commit) and
checks which schema the queries really ran in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.exceptions import SynchronousOnlyOperation
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.test import Client as HttpClient
from django.test import RequestFactory, override_settings
from django.urls import path

from pg_tenants.core import get_current_schema_name, get_current_tenant, schema_context, tenant_context
from pg_tenants.core.cache import tenant_cache
from pg_tenants.core.testing import AsyncTenantClient, get_test_tenant
from sandbox.customers.models import Client, Domain
from sandbox.notes.models import Note

from .conftest import current_schema

# -- a small project of views, served through ROOT_URLCONF = this module ------------

#: What the streamed bodies' clean-up saw: (active schema, schema the query ran in).
CLEANUP: list[tuple[str, str]] = []


def schema_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"tenant": request.tenant.schema_name, "schema": current_schema()})


def _clean_up_in_database() -> None:
    CLEANUP.append((get_current_schema_name(), current_schema()))
    Note.objects.create(title="written-by-clean-up")


def stream_view(request: HttpRequest) -> StreamingHttpResponse:
    def body() -> Iterator[str]:
        try:
            for i in range(100):
                yield f"chunk {i}\n"
        finally:
            _clean_up_in_database()

    return StreamingHttpResponse(body())


def async_stream_view(request: HttpRequest) -> StreamingHttpResponse:
    async def body() -> AsyncIterator[str]:
        try:
            for i in range(100):
                yield f"chunk {i}\n"
        finally:
            await sync_to_async(_clean_up_in_database)()

    return StreamingHttpResponse(body())


urlpatterns = [
    path("schema/", schema_view),
    path("stream/", stream_view),
    path("async-stream/", async_stream_view),
]

pytestmark = pytest.mark.usefixtures("_this_urlconf")


@pytest.fixture
def _this_urlconf() -> Iterator[None]:
    CLEANUP.clear()
    with override_settings(ROOT_URLCONF=__name__):
        yield


@pytest.fixture(scope="module")
def committed_tenants(django_db_setup: Any, django_db_blocker: Any) -> tuple[Client, Client]:
    """acme and globex with committed schemas, which connections of other threads can see."""
    with django_db_blocker.unblock():
        return get_test_tenant("acme", name="Acme"), get_test_tenant("globex", name="Globex")  # type: ignore[return-value]


def host(slug: str) -> str:
    return f"{slug}.tenants.test"


@contextlib.contextmanager
def server_signals_keep_the_test_connection() -> Iterator[None]:
    """Call Django's handlers as a server does, minus closing the test's connection (as the test Client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def asgi_scope(path: str, host: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", host.encode()), *(headers or [])],
        "client": ("127.0.0.1", 40000),
        "server": (host, 80),
    }


# -- item 5: a cold lookup racing a commit never stores the old answer ---------------


@pytest.mark.django_db(transaction=True)
def test_lookup_racing_a_domain_move_does_not_keep_the_old_tenant(acme_globex, monkeypatch):
    acme, globex = acme_globex
    domain = Domain.objects.create(domain="moving.example", tenant=acme, is_primary=False)
    queried, resume = threading.Event(), threading.Event()
    real_query = tenant_cache._query

    def query_then_pause(lookup: str, value: str) -> Any:
        tenant = real_query(lookup, value)
        if threading.current_thread() is loader:
            queried.set()
            resume.wait(10)  # the row is read, not yet stored: the move commits now
        return tenant

    monkeypatch.setattr(tenant_cache, "_query", query_then_pause)
    answers: list[Any] = []

    def cold_lookup() -> None:
        try:
            answers.append(tenant_cache.get("domain", "moving.example"))
        finally:
            connection.close()

    loader = threading.Thread(target=cold_lookup)
    loader.start()
    try:
        assert queried.wait(10)
        domain.tenant = globex
        domain.save()  # autocommit: committed, and the cache invalidated
    finally:
        resume.set()
        loader.join(10)
    assert answers[0].pk == acme.pk  # the racing lookup answered with what it read
    # ... but did not store it: the next lookup sees the move, not acme for a whole TTL.
    assert tenant_cache.get("domain", "moving.example").pk == globex.pk


# -- item 7: one context object shared by threads and tasks --------------------------


@pytest.mark.django_db
def test_one_context_shared_by_many_threads(committed_tenants):
    acme, _ = committed_tenants
    ctx = tenant_context(acme)
    workers = 8
    barrier = threading.Barrier(workers, timeout=20)
    seen: list[tuple[tuple[str, str], tuple[str, str]]] = []
    errors: list[BaseException] = []

    @ctx
    def decorated() -> str:
        barrier.wait()
        return current_schema()

    def work() -> None:
        try:
            barrier.wait()
            with ctx:
                barrier.wait()  # every thread is inside at once
                inside = (get_current_schema_name(), current_schema())
                barrier.wait()
            after = (get_current_schema_name(), current_schema())
            assert decorated() == "acme"
            seen.append((inside, after))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert seen == [(("acme", "acme"), ("public", "public"))] * workers


@pytest.mark.django_db
def test_one_context_shared_by_many_tasks(acme_globex):
    acme, globex = acme_globex
    ctx = tenant_context(acme)
    tasks = 8

    async def main() -> list[tuple[tuple[str, str], tuple[str, str]]]:
        barrier = asyncio.Barrier(tasks)

        async def work() -> tuple[tuple[str, str], tuple[str, str]]:
            async with schema_context("globex"):
                await barrier.wait()
                async with ctx:
                    await barrier.wait()  # every task is inside at once
                    inside = (get_current_schema_name(), await sync_to_async(current_schema)())
                    await barrier.wait()
                after = (get_current_schema_name(), await sync_to_async(current_schema)())
            return inside, after

        return await asyncio.wait_for(asyncio.gather(*(work() for _ in range(tasks))), 30)

    assert async_to_sync(main)() == [(("acme", "acme"), ("globex", "globex"))] * tasks
    assert get_current_schema_name() == "public"


# -- item 8: a streamed body's clean-up runs in its tenant ---------------------------


@pytest.mark.django_db
def test_streamed_body_closed_early_cleans_up_in_its_tenant(acme_globex):
    acme, _ = acme_globex
    environ = RequestFactory().get("/stream/", HTTP_HOST=host("acme")).environ
    with server_signals_keep_the_test_connection():
        result = WSGIHandler()(environ, lambda status, headers, exc_info=None: None)
        assert next(iter(result)) == b"chunk 0\n"
        result.close()  # the client went away: the server closes the response
    assert CLEANUP == [("acme", "acme")]
    with tenant_context(acme):
        assert Note.objects.filter(title="written-by-clean-up").exists()


@pytest.mark.django_db
def test_async_streamed_body_closed_by_a_disconnect_cleans_up_in_its_tenant(acme_globex):
    acme, _ = acme_globex

    async def serve() -> list[dict[str, Any]]:
        disconnected = asyncio.Event()
        sent: list[dict[str, Any]] = []
        received = 0

        async def receive() -> dict[str, Any]:
            nonlocal received
            received += 1
            if received == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body":
                disconnected.set()
                await asyncio.sleep(30)  # a slow client: the disconnect arrives while this chunk is sent

        await asyncio.wait_for(ASGIHandler()(asgi_scope("/async-stream/", host("acme")), receive, send), 20)
        return sent

    with server_signals_keep_the_test_connection():
        sent = async_to_sync(serve)()
    assert [m.get("body") for m in sent if m["type"] == "http.response.body"] == [b"chunk 0\n"]
    assert CLEANUP == [("acme", "acme")]
    with tenant_context(acme):
        assert Note.objects.filter(title="written-by-clean-up").exists()


# -- item 9: the current tenant from async code ---------------------------------------


@pytest.mark.django_db
def test_current_tenant_in_async_code_never_queries_from_the_event_loop(acme_globex):
    from pg_tenants.core import aget_current_tenant

    acme, _ = acme_globex

    async def main() -> None:
        async with tenant_context(acme):
            assert get_current_tenant() is acme  # known: no lookup at all
        async with schema_context("acme"):
            assert (await aget_current_tenant()).pk == acme.pk
            assert get_current_tenant().pk == acme.pk  # now in memory
        # Public, not loaded yet: a clear error instead of Django's generic one.
        with pytest.raises(SynchronousOnlyOperation, match="aget_current_tenant"):
            get_current_tenant()
        public = await aget_current_tenant()
        assert public.schema_name == "public"
        assert get_current_tenant() is public

    async_to_sync(main)()


# -- item 10: ASGI with the tenant cache's generation kept in Django's database cache ---


@pytest.mark.django_db
def test_asgi_requests_with_the_database_cache(acme_globex):
    from django.core.cache import caches

    from pg_tenants.core.cache import GENERATION_KEY

    acme, globex = acme_globex
    database_cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "pg_tenants_cache"}
    with override_settings(CACHES={"default": database_cache}, DATABASE_ROUTERS=[]):
        call_command("createcachetable", verbosity=0)
    with override_settings(CACHES={"default": database_cache}, TENANT_CACHE_SYNC_INTERVAL=0):
        for tenant in (acme, globex, acme):
            response = async_to_sync(AsyncTenantClient(tenant).get)("/schema/")
            assert response.status_code == 200, response.content[:300]
            assert response.json() == {"tenant": tenant.schema_name, "schema": tenant.schema_name}
        # Another process renames acme's slug and bumps the shared generation.
        Client.objects.filter(pk=acme.pk).update(slug="acme-elsewhere")
        caches["default"].set(GENERATION_KEY, 12345, None)
        moved = Client.objects.get(pk=acme.pk)
        response = async_to_sync(AsyncTenantClient(moved).get)("/schema/")
        assert response.json() == {"tenant": "acme", "schema": "acme"}
        assert async_to_sync(AsyncTenantClient(acme).get)("/schema/").status_code == 404


# -- item 4: a tenant whose schema is missing is never served --------------------------


def ghost_tenant() -> Client:
    ghost = Client(schema_name="iso_ghost", slug="ghost")
    ghost.auto_create_schema = False  # type: ignore[misc]
    ghost.save()
    return ghost


@pytest.mark.django_db
def test_tenant_without_a_schema_is_503_not_public(acme_globex, caplog):
    ghost = ghost_tenant()
    with caplog.at_level(logging.ERROR, logger="pg_tenants.core"):
        response = HttpClient().get("/schema/", HTTP_HOST=host("ghost"))
        async_response = async_to_sync(AsyncTenantClient(ghost).get)("/schema/")
    for r in (response, async_response):
        assert r.status_code == 503
        assert b"public" not in r.content
    messages = [r.getMessage() for r in caplog.records if r.name == "pg_tenants.core"]
    assert len(messages) == 2 and all("iso_ghost" in m and "does not exist" in m for m in messages)
    # Not remembered as broken: once the schema exists the tenant is served.
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA iso_ghost")
    response = HttpClient().get("/schema/", HTTP_HOST=host("ghost"))
    assert response.json() == {"tenant": "iso_ghost", "schema": "iso_ghost"}


def drop_schema_of(tenant: Client) -> None:
    # Inside the test's transaction: rolled back, schema and all, when the test ends.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{tenant.schema_name}" CASCADE')


@pytest.mark.django_db
def test_cached_tenant_whose_schema_was_dropped_is_503(acme_globex, caplog):
    acme, _ = acme_globex
    client = HttpClient()
    assert client.get("/schema/", HTTP_HOST=host("acme")).json() == {"tenant": "acme", "schema": "acme"}
    drop_schema_of(acme)
    with caplog.at_level(logging.ERROR, logger="pg_tenants.core"):
        response = client.get("/schema/", HTTP_HOST=host("acme"))  # acme is still in the tenant cache
    assert response.status_code == 503
    assert b"public" not in response.content
    assert any("acme" in r.getMessage() and r.name == "pg_tenants.core" for r in caplog.records)


@pytest.mark.django_db
def test_cached_tenant_whose_schema_was_dropped_is_503_async(acme_globex, caplog):
    acme, _ = acme_globex
    client = AsyncTenantClient(acme)
    assert async_to_sync(client.get)("/schema/").json() == {"tenant": "acme", "schema": "acme"}
    drop_schema_of(acme)
    with caplog.at_level(logging.ERROR, logger="pg_tenants.core"):
        response = async_to_sync(client.get)("/schema/")
    assert response.status_code == 503
    assert b"public" not in response.content
    assert any("acme" in r.getMessage() and r.name == "pg_tenants.core" for r in caplog.records)
