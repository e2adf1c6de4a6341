"""The sandbox's websocket routes and its Channels application."""

from __future__ import annotations

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application
from django.urls import path

from pg_tenants.channels import TenantURLRouter, TenantWebsocketMiddleware

from .consumers import (
    AsyncNotesConsumer,
    NotesConsumer,
    PremiumNotesConsumer,
    PublicConsumer,
    RoomConsumer,
    SyncRoomConsumer,
)

websocket_urlpatterns = [
    path("ws/notes/", NotesConsumer.as_asgi()),
    path("ws/async-notes/", AsyncNotesConsumer.as_asgi()),
    path("ws/room/", RoomConsumer.as_asgi()),
    path("ws/sync-room/", SyncRoomConsumer.as_asgi()),
]
premium_urlpatterns = [path("ws/notes/", PremiumNotesConsumer.as_asgi())]
public_urlpatterns = [path("ws/notes/", PublicConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": get_asgi_application(),
        "websocket": TenantWebsocketMiddleware(
            TenantURLRouter(
                websocket_urlpatterns,
                routes_by_type={"premium": premium_urlpatterns},
                public_routes=public_urlpatterns,
            )
        ),
    }
)
