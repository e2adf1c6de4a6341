"""``TenantURLRouter``: websocket routes per tenant type, as ``TENANT_URLCONFS`` is for HTTP views."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from channels.routing import URLRouter
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from pg_tenants.core.models import TenantModel

    from .middleware import Receive, Scope, Send

#: What ``URLRouter`` takes: ``path()`` / ``re_path()`` entries (and nested ``URLRouter`` instances).
Routes = Sequence[Any]


class TenantURLRouter:
    """Routes a websocket by its path with the routes of its tenant's kind.

    ``routes`` serve every tenant; ``routes_by_type`` replace them for tenants
    whose ``tenant_type`` is a key (``{"premium": premium_routes}``), and
    ``public_routes`` for the public tenant, the way ``TENANT_URLCONFS`` and
    ``PUBLIC_SCHEMA_URLCONF`` choose HTTP urlconfs. Each list is what
    Channels' ``URLRouter`` takes (``path()`` / ``re_path()`` to consumers'
    ``as_asgi()``). It reads ``scope["tenant"]``, so it goes inside
    :class:`~pg_tenants.channels.middleware.TenantWebsocketMiddleware`. A path
    that no route of the tenant's list matches is refused as ``URLRouter``
    refuses it.
    """

    def __init__(
        self,
        routes: Routes,
        *,
        routes_by_type: Mapping[str, Routes] | None = None,
        public_routes: Routes | None = None,
    ) -> None:
        self.default = URLRouter(list(routes))
        self.by_type = {name: URLRouter(list(typed)) for name, typed in (routes_by_type or {}).items()}
        self.public = URLRouter(list(public_routes)) if public_routes is not None else self.default

    def router_for(self, tenant: TenantModel) -> Any:
        """The ``URLRouter`` of ``tenant``: public's, its type's, or the default one."""
        if tenant.is_public:
            return self.public
        return self.by_type.get(getattr(tenant, "tenant_type", "") or "", self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tenant = scope.get("tenant")
        if tenant is None:
            raise ImproperlyConfigured(
                "TenantURLRouter found no tenant in the scope: wrap it in "
                "pg_tenants.channels.TenantWebsocketMiddleware."
            )
        await self.router_for(tenant)(scope, receive, send)
