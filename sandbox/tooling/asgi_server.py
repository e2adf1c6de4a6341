"""A real ASGI server (uvicorn, with the websockets library speaking the protocol) in a thread of the test process.

In the test process, so that the server reads the test database and the
settings a test overrides (the resolver, the channel layer) as the test sees
them. :func:`serve` binds a free loopback port, runs uvicorn's own event loop
in a thread until the block ends, then closes the database connections its
handlers opened (they live in asgiref's thread for thread-sensitive code,
shared by every ``sync_to_async`` call made without an outer
``async_to_sync``), so the test database can be dropped.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections


@contextmanager
def serve(app: Any, *, timeout: float = 30) -> Iterator[int]:
    """Serve the ASGI ``app`` on 127.0.0.1 for the block; yields the port."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", ws="auto", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start (its log is above)."
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
        asyncio.run(sync_to_async(connections.close_all)())
