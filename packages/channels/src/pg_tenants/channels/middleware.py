"""``TenantWebsocketMiddleware``: find a websocket's tenant, refuse it or make it active.

It wraps the websocket side of a Channels application, where
``TenantMiddleware`` cannot reach (Django's middleware runs for HTTP only).
The tenant is found exactly as for an HTTP request: the configured
``TENANT_RESOLVER`` reads a Django request made from the handshake
(:func:`pg_tenants.channels.scope.request_for_scope`), and the tenant cache
answers the look-up, from memory when warm.

A connection whose tenant is unknown, or whose tenant's schema does not exist,
never reaches the application inside: the handshake is accepted and the socket
closed at once with ``TENANT_WEBSOCKET_NOT_FOUND_CODE`` (4404) or
``TENANT_WEBSOCKET_UNAVAILABLE_CODE`` (4503), so a browser's ``onclose`` can
tell why; with the code set to ``None`` the handshake is refused (HTTP 403).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import DisallowedHost
from django.urls import get_script_prefix, set_script_prefix

from pg_tenants.core.cache import TenantSchemaMissing, tenant_cache
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.context import ActiveSchema, activate, deactivate
from pg_tenants.core.resolvers import get_resolver

from .conf import channels_settings
from .scope import request_for_scope

if TYPE_CHECKING:
    from pg_tenants.core.models import TenantModel
    from pg_tenants.core.resolution import Resolution

logger = logging.getLogger("pg_tenants.channels")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a connection is not served: the close code (``None``: refuse the handshake) and the reason sent."""

    code: int | None
    reason: str


class TenantWebsocketMiddleware:
    """ASGI middleware: resolve a websocket's tenant, put it in ``scope["tenant"]`` and make it active.

    Wrap the ``"websocket"`` application of a ``ProtocolTypeRouter`` (outside
    ``AuthMiddlewareStack``, whose session and user live in the tenant's
    schema). Other scope types pass through untouched. The tenant stays
    active for the whole connection, in the application's own code and in
    the threads of sync consumers (``database_sync_to_async`` copies the
    context); with the path resolver, the tenant's prefix moves into
    ``scope["root_path"]``, so ``URLRouter`` routes what follows it.

    ``TENANT_NOT_FOUND = "public"`` serves unknown tenants as the public
    tenant, as for HTTP; any other value (a 404, a view) refuses them: a
    websocket cannot be answered with a page.
    """

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        found = await find_tenant(scope)
        if isinstance(found, Refusal):
            return await refuse(found, receive, send)
        tenant, resolution = found
        scope = dict(scope, tenant=tenant)
        previous_prefix = None
        if resolution is not None and resolution.script_name is not None:
            script_name = resolution.script_name.rstrip("/")
            scope["root_path"] = script_name
            previous_prefix = get_script_prefix()
            set_script_prefix(script_name + "/")
        token = activate(ActiveSchema.for_schema(tenant.schema_name, tenant))
        try:
            return await self.inner(scope, receive, send)
        finally:
            deactivate(token)
            if previous_prefix is not None:
                set_script_prefix(previous_prefix)


async def find_tenant(scope: Scope) -> tuple[TenantModel, Resolution | None] | Refusal:
    """The tenant of a websocket scope and the resolution that named it, or why it is refused."""
    request = request_for_scope(scope)
    try:
        resolution = get_resolver().resolve(request)
    except DisallowedHost as exc:
        # What Django answers an HTTP request with a host outside ALLOWED_HOSTS with a 400.
        logger.warning("Refused a websocket: %s", exc)
        return not_found()
    try:
        tenant = await tenant_cache.aget_for_resolution(resolution) if resolution is not None else None
        if tenant is None and tenant_settings.TENANT_NOT_FOUND == "public":
            tenant, resolution = await tenant_cache.aget("schema_name", tenant_settings.PUBLIC_SCHEMA_NAME), None
    except TenantSchemaMissing as exc:
        logger.error(
            "Tenant %r refused a websocket (%s): its schema %r does not exist. Create it (create_tenant) "
            "or deactivate the tenant.",
            str(exc.tenant),
            channels_settings.TENANT_WEBSOCKET_UNAVAILABLE_CODE,
            exc.schema_name,
        )
        return Refusal(channels_settings.TENANT_WEBSOCKET_UNAVAILABLE_CODE, "Tenant unavailable")
    if tenant is None:
        return not_found()
    return tenant, resolution


def not_found() -> Refusal:
    """The refusal of a connection that names no known tenant."""
    return Refusal(channels_settings.TENANT_WEBSOCKET_NOT_FOUND_CODE, "Unknown tenant")


async def refuse(refusal: Refusal, receive: Receive, send: Send) -> None:
    """Answer the handshake with ``refusal``: accept then close with its code, or refuse it (``code=None``)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return  # the client left before its handshake was answered
    if refusal.code is None:
        await send({"type": "websocket.close"})  # before the accept: the server answers HTTP 403
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": refusal.code, "reason": refusal.reason})
