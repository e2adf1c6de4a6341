"""Websockets served by uvicorn, through channels-redis on the real Redis, in two tenants at once.

Every test talks to a real server with a real websocket client: what a
consumer answers is what it read in the database, from the handler's thread
(sync consumers) or the event loop (async ones).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from pg_tenants.channels import tenant_channel_layer
from sandbox.customers.models import Client
from sandbox.tooling.caches import redis_client

# The server reads committed rows on connections of its own; the mark makes pytest-django set the test database up.
pytestmark = pytest.mark.django_db

#: How long a socket that must not hear a message is listened to.
SILENCE = 1.0


@asynccontextmanager
async def socket(site: Any, path: str, host: str, **headers: str) -> AsyncIterator[ClientConnection]:
    """A websocket to ``path`` on the test server, with ``host`` in its Host header."""
    async with connect(
        f"ws://{host}{path}",
        host="127.0.0.1",
        port=site.port,
        additional_headers=headers or None,
        proxy=None,
        open_timeout=10,
    ) as ws:
        yield ws


def host_of(tenant: Any) -> str:
    """The sandbox resolver's host for ``tenant`` (``<slug>.tenants.test``)."""
    return f"{tenant.slug}.tenants.test"


async def ask(ws: ClientConnection) -> dict[str, Any]:
    await ws.send(json.dumps({"op": "read"}))
    return json.loads(await asyncio.wait_for(ws.recv(), 10))  # type: ignore[no-any-return]


async def close_code(ws: ClientConnection) -> tuple[int | None, str | None]:
    """The code and reason the server closed ``ws`` with (it must close it without sending anything)."""
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 10)
    received = closed.value.rcvd
    return (received.code, received.reason) if received is not None else (None, None)


async def hears_nothing(ws: ClientConnection) -> bool:
    try:
        message = await asyncio.wait_for(ws.recv(), SILENCE)
    except TimeoutError:
        return True
    raise AssertionError(f"This socket should have heard nothing, and heard {message!r}.")


# -- each connection reads its own tenant ----------------------------------------------


@pytest.mark.parametrize("path", ["/ws/notes/", "/ws/async-notes/"])
async def test_interleaved_connections_each_read_their_own_tenants_rows(site: Any, path: str) -> None:
    async with socket(site, path, host_of(site.a)) as a, socket(site, path, host_of(site.b)) as b:
        for _ in range(5):
            # Both sockets' handlers run at once, on the server's one thread for sync code.
            answers = await asyncio.gather(ask(a), ask(b))
            for answer, tenant in zip(answers, (site.a, site.b), strict=True):
                schema = tenant.schema_name
                assert answer["tenant"] == schema
                assert answer["active"] == schema
                assert answer["notes"] == site.notes[schema]
                # A sync handler's thread and the async code's database_sync_to_async hop alike.
                in_thread = answer if answer["kind"] == "sync" else answer["thread"]
                assert in_thread["active"] == schema
                assert in_thread["database"] == schema
                assert in_thread["notes"] == site.notes[schema]
                assert in_thread["script_prefix"] == "/"


async def test_many_sockets_of_two_tenants_at_once(site: Any) -> None:
    tenants = [site.a, site.b] * 6
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_read_once(site, tenant)) for tenant in tenants]
    for task, tenant in zip(tasks, tenants, strict=True):
        assert task.result() == (tenant.schema_name, site.notes[tenant.schema_name])


async def _read_once(site: Any, tenant: Any) -> tuple[str, list[str]]:
    async with socket(site, "/ws/notes/", host_of(tenant)) as ws:
        answer = await ask(ws)
    return answer["database"], answer["notes"]


# -- groups ----------------------------------------------------------------------------------


async def test_a_group_broadcast_in_one_tenant_never_reaches_the_same_group_in_another(site: Any) -> None:
    async with (
        socket(site, "/ws/room/", host_of(site.a)) as a_async,
        socket(site, "/ws/sync-room/", host_of(site.a)) as a_sync,
        socket(site, "/ws/room/", host_of(site.b)) as b_async,
        socket(site, "/ws/sync-room/", host_of(site.b)) as b_sync,
    ):
        await asyncio.sleep(0.3)  # every socket has joined "room" once its connect handler ran
        await a_async.send(json.dumps({"say": "hello from a"}))
        for ws in (a_async, a_sync):
            heard = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert heard["heard"] == "hello from a" and heard["tenant"] == "ws_a"
        await b_sync.send(json.dumps({"say": "hello from b"}))
        for ws in (b_async, b_sync):
            heard = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert heard["heard"] == "hello from b" and heard["tenant"] == "ws_b"
        assert await hears_nothing(a_async) and await hears_nothing(a_sync)
        # In Redis, the two tenants' "room" are two groups, each named after its schema.
        client = redis_client()
        try:
            keys = sorted(k.decode() for k in client.scan_iter(match=f"{site.prefix}:group:*"))
        finally:
            client.close()
        assert keys == [f"{site.prefix}:group:ws_a.room", f"{site.prefix}:group:ws_b.room"]


async def test_code_outside_consumers_sends_to_one_tenants_group(site: Any) -> None:
    # A layer of its own (same Redis, same prefix): closing its connections leaves the server's alone.
    layer = tenant_channel_layer("outside", tenant=site.b)
    assert layer is not None
    try:
        async with socket(site, "/ws/room/", host_of(site.a)) as a, socket(site, "/ws/room/", host_of(site.b)) as b:
            await asyncio.sleep(0.3)
            await layer.group_send("room", {"type": "room.message", "text": "from a task"})
            heard = json.loads(await asyncio.wait_for(b.recv(), 10))
            assert heard == {"tenant": "ws_b", "heard": "from a task"}
            assert await hears_nothing(a)
    finally:
        await layer.close_pools()  # this test's event loop's connections


# -- refused connections ---------------------------------------------------------------------


@pytest.mark.parametrize("host", ["nobody.tenants.test", "elsewhere.example"])
async def test_an_unknown_tenant_is_closed_with_4404(site: Any, host: str) -> None:
    async with socket(site, "/ws/notes/", host) as ws:
        assert await close_code(ws) == (4404, "Unknown tenant")


async def test_a_tenant_without_its_schema_is_closed_with_4503(site: Any) -> None:
    gone = Client(schema_name="ws_gone", slug="ws-gone", name="No schema")
    gone.auto_create_schema = False  # type: ignore[misc]
    gone.auto_drop_schema = False  # type: ignore[misc]
    await sync_to_async(gone.save)()
    try:
        async with socket(site, "/ws/notes/", "ws-gone.tenants.test") as ws:
            assert await close_code(ws) == (4503, "Tenant unavailable")
    finally:
        await sync_to_async(gone.delete)()


async def test_without_a_close_code_the_handshake_is_refused(site: Any) -> None:
    with override_settings(TENANT_WEBSOCKET_NOT_FOUND_CODE=None), pytest.raises(InvalidStatus) as refused:
        async with socket(site, "/ws/notes/", "nobody.tenants.test"):
            pass  # pragma: no cover
    assert refused.value.response.status_code == 403


async def test_unknown_tenants_reach_public_with_tenant_not_found_public(site: Any) -> None:
    with override_settings(TENANT_NOT_FOUND="public"):
        async with socket(site, "/ws/notes/", "nobody.tenants.test") as ws:
            assert await ask(ws) == {"tenant": "public", "kind": "public", "active": "public"}


# -- routes per tenant type ------------------------------------------------------------------


async def test_routes_follow_the_tenant_type_and_public(site: Any) -> None:
    async with socket(site, "/ws/notes/", host_of(site.premium)) as premium:
        answer = await ask(premium)
    assert (answer["kind"], answer["database"], answer["notes"]) == ("premium", "ws_p", site.notes["ws_p"])
    async with socket(site, "/ws/notes/", "tenants.test") as public:
        assert (await ask(public))["kind"] == "public"


# -- the other resolvers, unchanged ---------------------------------------------------------


async def test_the_path_resolver_moves_the_prefix_out_of_the_routed_path(site: Any) -> None:
    with override_settings(TENANT_RESOLVER="path", TENANT_PATH_PREFIX="/t/"):
        async with socket(site, f"/t/{site.b.slug}/ws/async-notes/", "anything.example") as ws:
            answer = await ask(ws)
        assert (answer["tenant"], answer["thread"]["database"]) == ("ws_b", "ws_b")
        assert answer["thread"]["script_prefix"] == f"/t/{site.b.slug}/"  # reverse() keeps the prefix
        async with socket(site, "/t/nobody/ws/notes/", "anything.example") as ws:
            assert await close_code(ws) == (4404, "Unknown tenant")


async def test_the_header_resolver_trusts_only_its_proxies(site: Any) -> None:
    with override_settings(TENANT_RESOLVER="header", TENANT_TRUSTED_PROXIES=["127.0.0.1/32"]):
        async with socket(site, "/ws/notes/", "app.example", **{"X-Tenant": site.a.slug}) as ws:
            assert (await ask(ws))["database"] == "ws_a"
    # From an address outside TENANT_TRUSTED_PROXIES the header is ignored: no tenant.
    with override_settings(TENANT_RESOLVER="header", TENANT_TRUSTED_PROXIES=["192.0.2.0/24"]):
        async with socket(site, "/ws/notes/", "app.example", **{"X-Tenant": site.a.slug}) as ws:
            assert await close_code(ws) == (4404, "Unknown tenant")
