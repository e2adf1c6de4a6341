"""System checks of django-pg-tenants-channels (ids ``pg_tenants_channels.E00x``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from pg_tenants.core.check_helpers import setting_type_errors

from .conf import channels_settings

CODE_SETTINGS = ("TENANT_WEBSOCKET_NOT_FOUND_CODE", "TENANT_WEBSOCKET_UNAVAILABLE_CODE")
#: Close codes an application may send (RFC 6455 section 7.4 and the IANA registry): the rest are the protocol's.
APPLICATION_CODES = frozenset({1000, 1001, 1008, 1011, 1013}) | frozenset(range(3000, 5000))


@register()
def check_channels_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E001, E002: the close codes of refused websockets."""
    errors = setting_type_errors(channels_settings, "pg_tenants_channels.E001")
    for name in CODE_SETTINGS:
        code = getattr(channels_settings, name)
        if isinstance(code, int) and not isinstance(code, bool) and code not in APPLICATION_CODES:
            errors.append(
                Error(
                    f"{name} is {code}, which is not a close code an application may send.",
                    hint=f"Set {name} to a code from 4000 to 4999 (private use), or to None to refuse the "
                    "handshake with HTTP 403.",
                    id="pg_tenants_channels.E002",
                )
            )
    return errors
