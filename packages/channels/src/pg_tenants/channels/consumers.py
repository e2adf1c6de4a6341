"""``TenantConsumerMixin``: a Channels consumer that runs in its connection's tenant.

The middleware keeps the tenant active while the connection lasts, and
Channels runs a sync consumer's handlers in a thread through
``database_sync_to_async``, which copies the context, active schema
included. The mixin makes that a property of the consumer rather than of
how it was wired: it activates ``scope["tenant"]`` itself, refuses to run
without one, and gives the consumer a channel layer whose groups are the
tenant's (:class:`~pg_tenants.channels.groups.TenantChannelLayer`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from pg_tenants.core.context import tenant_context

from .groups import TenantChannelLayer

if TYPE_CHECKING:
    from asgiref.typing import ASGIReceiveCallable, ASGISendCallable
    from channels.consumer import AsyncConsumer
    from channels.layers import BaseChannelLayer

    from pg_tenants.core.models import TenantModel

    _Consumer = AsyncConsumer
else:
    _Consumer = object


class TenantConsumerMixin(_Consumer):
    """Put it first among a consumer's bases: ``class Chat(TenantConsumerMixin, WebsocketConsumer)``.

    * ``self.tenant`` is the connection's tenant, active in every handler,
      sync (in Channels' thread) or async, and in what they start (tasks and
      ``sync_to_async`` calls copy the context);
    * ``self.channel_layer`` prefixes group names with the tenant's schema,
      in ``group_add`` / ``group_discard`` / ``group_send`` and for the
      class's ``groups``, so the same group name in two tenants is two groups.
      A message sent to a group reaches that tenant's sockets only.

    Running without ``scope["tenant"]`` raises :class:`ImproperlyConfigured`:
    the consumer is not behind
    :class:`~pg_tenants.channels.middleware.TenantWebsocketMiddleware`.
    """

    tenant: TenantModel
    _tenant_layer: TenantChannelLayer | None = None

    async def __call__(self, scope: Any, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        tenant = scope.get("tenant")
        if tenant is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} found no tenant in the scope: serve it behind "
                "pg_tenants.channels.TenantWebsocketMiddleware."
            )
        self.tenant = tenant
        async with tenant_context(tenant):
            await super().__call__(scope, receive, send)

    @property  # type: ignore[override]
    def channel_layer(self) -> TenantChannelLayer | None:
        """The consumer's channel layer, its groups the tenant's (``None`` when none is configured)."""
        return self._tenant_layer

    @channel_layer.setter
    def channel_layer(self, layer: BaseChannelLayer | None) -> None:
        # Channels assigns the layer in __call__, before joining self.groups.
        self._tenant_layer = None if layer is None else TenantChannelLayer(layer, self.tenant.schema_name)
