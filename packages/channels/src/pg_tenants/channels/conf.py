"""Settings read by django-pg-tenants-channels, each with its default beside it.

Cached like every package's settings (:class:`pg_tenants.core.conf.PackageSettings`),
so ``override_settings`` just works; values are returned as configured and
checked in :mod:`.checks`.
"""

from __future__ import annotations

from pg_tenants.core.conf import PackageSettings

#: Close codes of the private-use range (4000-4999), read like the HTTP statuses of the same cases.
NOT_FOUND_CODE = 4404
UNAVAILABLE_CODE = 4503


class ChannelsSettings(PackageSettings):
    """Typed, live accessors for the ``TENANT_WEBSOCKET_*`` settings."""

    @property
    def TENANT_WEBSOCKET_NOT_FOUND_CODE(self) -> int | None:
        """Close code of a websocket whose tenant is unknown (default 4404).

        ``None`` refuses the handshake instead: the client gets an HTTP 403
        and no websocket, so it cannot tell why.
        """
        return self._get("TENANT_WEBSOCKET_NOT_FOUND_CODE", NOT_FOUND_CODE)

    @property
    def TENANT_WEBSOCKET_UNAVAILABLE_CODE(self) -> int | None:
        """Close code of a websocket whose tenant's schema is missing (default 4503; ``None``: HTTP 403)."""
        return self._get("TENANT_WEBSOCKET_UNAVAILABLE_CODE", UNAVAILABLE_CODE)


channels_settings = ChannelsSettings()
