"""The header resolver under ASGI: a header spelled with underscores never names the tenant.

``X_Tenant`` and ``X-Tenant`` both map to ``HTTP_X_TENANT`` in ``request.META``;
a proxy that strips or sets only ``X-Tenant`` would let clients choose the
tenant with ``X_Tenant``. These requests go through Django's ASGI handler with
raw header names, as an ASGI server hands them over.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from .conftest import resolver_settings

pytestmark = pytest.mark.django_db
PROXY = "10.1.2.3"  # inside TENANT_TRUSTED_PROXIES of the "header" settings


@pytest.fixture(autouse=True)
def _header():
    with resolver_settings("header"):
        yield


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The handler's request signals would close the test's connection (the test clients unhook them too).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def asgi_get(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """GET ``path`` through Django's ASGI handler from the trusted proxy, with these raw headers."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"app.example.com"), *headers],
        "client": (PROXY, 40000),
        "server": ("app.example.com", 443),
    }
    messages: list[dict[str, Any]] = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected; the handler cancels this when done
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    async_to_sync(ASGIHandler())(scope, receive, send)
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body


def test_hyphenated_header_from_the_proxy_names_the_tenant(world):
    status, body = asgi_get("/whoami/", [(b"x-tenant", b"alpha")])
    assert status == 200 and b'"tenant": "rs_alpha"' in body


@pytest.mark.parametrize("name", [b"x_tenant", b"X_Tenant", b"x_TENANT"])
def test_underscored_header_is_ignored_and_logged(world, caplog, name):
    with caplog.at_level(logging.WARNING, logger="pg_tenants.resolvers"):
        status, _ = asgi_get("/whoami/", [(name, b"alpha")])
    assert status == 404  # as if no header had been sent
    assert f"Ignored the header {name.decode().lower()!r}" in caplog.text


def test_underscored_header_beside_the_proxys_header_changes_nothing(world, caplog):
    with caplog.at_level(logging.WARNING, logger="pg_tenants.resolvers"):
        status, body = asgi_get("/whoami/", [(b"x-tenant", b"beta"), (b"x_tenant", b"alpha")])
    assert status == 200 and b'"tenant": "rs_beta"' in body
    assert "Ignored the header 'x_tenant'" in caplog.text
