"""Call a WSGI application the way a server does, for tests about connections.

Django's test ``Client`` keeps ``close_old_connections`` away from its
requests, so a connection broken in one request is still there, broken, in the
next. A real server runs it at the start and end of every request, and that is
what makes a project recover from a killed backend or a restarted database.
:func:`wsgi_request` goes through the same path as a server: the request
signals fire and the response is closed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_request(
    app: WSGIApp,
    path: str,
    *,
    host: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, bytes]:
    """Send one request to ``app`` (e.g. ``django.core.wsgi.get_wsgi_application()``); status and body."""
    path, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host.split(":")[0],
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in {"CONTENT_TYPE", "CONTENT_LENGTH"} else f"HTTP_{key}"] = value
    status: list[int] = []

    def start_response(status_line: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(int(status_line.split(" ", 1)[0]))

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()  # fires request_finished, as a server does
    return status[0], content
