"""Django Channels for django-pg-tenants: websockets in their tenant's schema.

Wrap the websocket application in :class:`TenantWebsocketMiddleware`, route
it with :class:`TenantURLRouter` (or Channels' ``URLRouter``), and base
consumers on :class:`TenantConsumerMixin`:

    application = ProtocolTypeRouter({
        "http": get_asgi_application(),
        "websocket": TenantWebsocketMiddleware(TenantURLRouter(websocket_urlpatterns)),
    })

:func:`tenant_group_name` and :func:`tenant_channel_layer` give code outside
consumers the same per-tenant groups.
"""

from __future__ import annotations

from .consumers import TenantConsumerMixin
from .groups import TenantChannelLayer, tenant_channel_layer, tenant_group_name
from .middleware import TenantWebsocketMiddleware
from .routing import TenantURLRouter

__all__ = [
    "TenantChannelLayer",
    "TenantConsumerMixin",
    "TenantURLRouter",
    "TenantWebsocketMiddleware",
    "tenant_channel_layer",
    "tenant_group_name",
]
