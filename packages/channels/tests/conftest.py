"""Fixtures of the Channels package's tests: tenants with notes, a real server, channels-redis on the real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings

from pg_tenants.core import tenant_context
from pg_tenants.core.testing import get_test_tenant
from sandbox.notes.models import Note
from sandbox.tooling.asgi_server import serve
from sandbox.tooling.caches import REDIS_URL, redis_client


@dataclass(frozen=True)
class Site:
    """The running server (``site`` fixture): its port, its tenants and their notes, the layer's key prefix."""

    port: int
    a: Any
    b: Any
    premium: Any
    notes: dict[str, list[str]]
    prefix: str

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="session")
def ws_tenants(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[Any, Any, Any, dict[str, list[str]]]]:
    """Tenants ``ws_a``, ``ws_b`` and premium ``ws_p``, the last of type ``premium``.

    Each has notes of its own, committed, since the server reads them on its own connections.
    """
    run = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        a = get_test_tenant("ws_a", name="Websocket A")
        b = get_test_tenant("ws_b", name="Websocket B")
        premium = get_test_tenant("ws_p", name="Websocket premium", tenant_type="premium")
        notes: dict[str, list[str]] = {}
        for tenant, count in ((a, 2), (b, 3), (premium, 1)):
            with tenant_context(tenant):
                Note.objects.all().delete()  # rows another run left behind
                notes[tenant.schema_name] = sorted(f"{tenant.schema_name} note {i} {run}" for i in range(count))
                Note.objects.bulk_create([Note(title=title) for title in notes[tenant.schema_name]])
    yield a, b, premium, notes
    with django_db_blocker.unblock():
        for tenant in (a, b, premium):
            with tenant_context(tenant):
                Note.objects.all().delete()


@pytest.fixture(scope="module")
def site(ws_tenants: tuple[Any, Any, Any, dict[str, list[str]]], django_db_blocker: Any) -> Iterator[Site]:
    """``sandbox.live.routing.application`` under uvicorn, with a channels-redis layer under a prefix of its own."""
    client = redis_client()  # fails, saying how to start Redis, when none answers
    prefix = f"pgt-ws-{uuid.uuid4().hex[:12]}"
    config = {"hosts": [REDIS_URL], "prefix": prefix}
    redis_layer = {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": config}
    # "outside" is the same layer for the test's own code: one instance per event loop that closes its connections.
    layers = {"default": redis_layer, "outside": redis_layer}
    from sandbox.live.routing import application

    a, b, premium, notes = ws_tenants
    with django_db_blocker.unblock(), override_settings(CHANNEL_LAYERS=layers), serve(application) as port:
        yield Site(port, a, b, premium, notes, prefix)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
