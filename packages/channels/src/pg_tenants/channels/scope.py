"""A Django request made from a websocket's ASGI scope, for the resolvers to read.

The resolvers read an :class:`~django.http.HttpRequest`: the host through
``get_host()`` (``ALLOWED_HOSTS`` and ``USE_X_FORWARDED_HOST`` applied),
``path_info`` and ``SCRIPT_NAME``, ``REMOTE_ADDR`` for the header resolver's
trusted proxies, and under ASGI the raw header names in ``request.scope``. A
websocket's handshake carries all of these, so the request is Django's own
:class:`~django.core.handlers.asgi.ASGIRequest` built from the scope: the
resolvers run unchanged, with the same checks as for HTTP.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.core.handlers.asgi import ASGIRequest

#: The HTTP scheme a websocket scheme stands for (``request.is_secure()`` reads it).
HTTP_SCHEMES = {"ws": "http", "wss": "https"}


def request_for_scope(scope: Mapping[str, Any]) -> ASGIRequest:
    """An ``ASGIRequest`` for the handshake of the websocket ``scope`` (a ``GET`` with no body).

    The scope itself is not changed: the request is built from a copy with
    the method and scheme an HTTP scope would have.
    """
    scheme = str(scope.get("scheme") or "ws")
    http_scope = {**scope, "type": "http", "method": "GET", "scheme": HTTP_SCHEMES.get(scheme, scheme)}
    return ASGIRequest(http_scope, io.BytesIO())
