"""The parts that need no server: group names, the per-tenant layer, the request made from a scope, misuse."""

from __future__ import annotations

from typing import Any

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import BaseChannelLayer, InMemoryChannelLayer
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from pg_tenants.channels import TenantChannelLayer, TenantConsumerMixin, TenantURLRouter, tenant_group_name
from pg_tenants.channels.scope import request_for_scope
from pg_tenants.core import schema_context
from pg_tenants.core.validation import InvalidSchemaName

LONGEST_SCHEMA = "s" * 63


def test_group_names_carry_the_schema() -> None:
    assert tenant_group_name("chat", "acme") == "acme.chat"
    with schema_context("globex"):
        assert tenant_group_name("chat") == "globex.chat"
    assert tenant_group_name("chat") == "public.chat"


def test_a_group_name_cannot_reach_into_another_tenant() -> None:
    # Schema names have no period: "globex.chat" given in acme stays acme's.
    assert tenant_group_name("globex.chat", "acme") == "acme.globex.chat"
    assert tenant_group_name("globex.chat", "acme") != tenant_group_name("chat", "globex")


def test_long_names_stay_valid_distinct_and_stable() -> None:
    names = {tenant_group_name(f"{'g' * 90}{i}", LONGEST_SCHEMA) for i in range(50)}
    assert len(names) == 50
    for name in names:
        assert name.startswith(LONGEST_SCHEMA + ".") and len(name) < 100
        assert BaseChannelLayer().require_valid_group_name(name)
    assert tenant_group_name("g" * 99, LONGEST_SCHEMA) == tenant_group_name("g" * 99, LONGEST_SCHEMA)


@pytest.mark.parametrize("group", ["", "chat room", "caf\u00e9", "a" * 100, "x!y"])
def test_group_names_channels_would_refuse_are_refused(group: str) -> None:
    with pytest.raises(ValueError, match="fewer than 100 ASCII letters"):
        tenant_group_name(group, "acme")


def test_an_invalid_schema_is_never_a_prefix() -> None:
    with pytest.raises(InvalidSchemaName):
        tenant_group_name("chat", "Acme-1")


async def test_the_tenant_layer_keeps_each_tenants_group_apart() -> None:
    layer = InMemoryChannelLayer()
    acme, globex = TenantChannelLayer(layer, "acme"), TenantChannelLayer(TenantChannelLayer(layer, "x"), "globex")
    assert globex.layer is layer  # never a layer of a layer
    acme_channel, globex_channel = await acme.new_channel(), await globex.new_channel()
    await acme.group_add("chat", acme_channel)
    await globex.group_add("chat", globex_channel)
    await acme.group_send("chat", {"type": "hello"})
    assert await layer.receive(acme_channel) == {"type": "hello"}
    assert set(layer.groups) == {"acme.chat", "globex.chat"}
    await globex.group_discard("chat", globex_channel)
    assert "globex.chat" not in layer.groups


def test_the_request_of_a_websocket_scope_is_what_the_resolvers_read() -> None:
    scope = {
        "type": "websocket",
        "scheme": "wss",
        "path": "/t/acme/ws/chat/",
        "root_path": "",
        "query_string": b"a=1",
        "headers": [(b"host", b"acme.example.com:8443"), (b"x-tenant", b"acme")],
        "client": ("10.1.2.3", 5000),
        "server": ("127.0.0.1", 8443),
    }
    with override_settings(ALLOWED_HOSTS=["acme.example.com"]):
        request = request_for_scope(scope)
        assert request.get_host() == "acme.example.com:8443"
    assert request.is_secure()
    assert request.META["REMOTE_ADDR"] == "10.1.2.3"
    assert request.path_info == "/t/acme/ws/chat/"
    assert request.headers["X-Tenant"] == "acme"
    assert request.scope["headers"] == scope["headers"]  # the header resolver reads raw names here
    assert scope["type"] == "websocket" and "method" not in scope  # the scope is left as it was


class Plain(TenantConsumerMixin, AsyncWebsocketConsumer):
    pass


async def _nothing() -> dict[str, Any]:
    raise AssertionError("never received")  # pragma: no cover


async def _drop(message: dict[str, Any]) -> None:
    raise AssertionError("never sent")  # pragma: no cover


async def test_a_consumer_without_a_tenant_says_what_is_missing() -> None:
    with pytest.raises(ImproperlyConfigured, match="serve it behind pg_tenants.channels.TenantWebsocketMiddleware"):
        await Plain()({"type": "websocket", "path": "/"}, _nothing, _drop)


async def test_the_router_without_a_tenant_says_what_is_missing() -> None:
    with pytest.raises(ImproperlyConfigured, match="wrap it in pg_tenants.channels.TenantWebsocketMiddleware"):
        await TenantURLRouter([])({"type": "websocket", "path": "/"}, _nothing, _drop)
