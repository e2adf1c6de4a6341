"""Consumers that answer with what they read in the database, so tests can see which schema they ran in."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, JsonWebsocketConsumer
from django.db import connection
from django.urls import get_script_prefix

from pg_tenants.channels import TenantConsumerMixin
from pg_tenants.core import get_current_schema_name
from sandbox.notes.models import Note


def database_schema() -> str:
    """The schema PostgreSQL resolves unqualified names in, asked of the connection itself."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return str(cursor.fetchone()[0])


def snapshot() -> dict[str, Any]:
    """What a sync handler sees: the active schema, the connection's, the notes' titles, the script prefix."""
    return {
        "active": get_current_schema_name(),
        "database": database_schema(),
        "notes": sorted(Note.objects.values_list("title", flat=True)),
        "script_prefix": get_script_prefix(),
    }


class NotesConsumer(TenantConsumerMixin, JsonWebsocketConsumer):
    """Sync: each message is answered from a handler Channels runs in a thread."""

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        self.send_json({"tenant": self.tenant.schema_name, "kind": "sync", **snapshot()})


class AsyncNotesConsumer(TenantConsumerMixin, AsyncJsonWebsocketConsumer):
    """Async: the async ORM and database_sync_to_async, called from the consumer's own code."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        titles = sorted([note.title async for note in Note.objects.all()])
        in_thread = await database_sync_to_async(snapshot)()
        await self.send_json(
            {
                "tenant": self.tenant.schema_name,
                "kind": "async",
                "active": get_current_schema_name(),
                "notes": titles,
                "thread": in_thread,
            }
        )


class PremiumNotesConsumer(NotesConsumer):
    """Served to premium tenants at the same path (TenantURLRouter's routes_by_type)."""

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        self.send_json({"tenant": self.tenant.schema_name, "kind": "premium", **snapshot()})


class RoomConsumer(TenantConsumerMixin, AsyncJsonWebsocketConsumer):
    """Async: every socket joins the group "room"; what one says reaches the room."""

    groups = ["room"]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.channel_layer.group_send("room", {"type": "room.message", "text": content["say"]})

    async def room_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"tenant": self.tenant.schema_name, "heard": event["text"]})


class SyncRoomConsumer(TenantConsumerMixin, JsonWebsocketConsumer):
    """Sync, in the same group "room": group calls go through async_to_sync from Channels' thread."""

    groups = ["room"]

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        async_to_sync(self.channel_layer.group_send)("room", {"type": "room.message", "text": content["say"]})

    def room_message(self, event: dict[str, Any]) -> None:
        self.send_json({"tenant": self.tenant.schema_name, "heard": event["text"], "active": get_current_schema_name()})


class PublicConsumer(TenantConsumerMixin, JsonWebsocketConsumer):
    """Served to the public tenant, whose schema has no tenant tables: it reads none."""

    def receive_json(self, content: Any, **kwargs: Any) -> None:
        self.send_json({"tenant": self.tenant.schema_name, "kind": "public", "active": get_current_schema_name()})
