"""A loopback TCP proxy in front of PostgreSQL that counts the statements sent to it.

Every library reaches the server through the same wire protocol, whatever its
driver or cursor: a simple query (``Q``) or an extended-protocol ``Execute``
(``E``) is one statement run by the server. Counting those at the socket counts
exactly what the server runs, including ``SET search_path`` statements a backend
sends on a raw driver cursor that Django's query log never sees.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from dataclasses import dataclass, field

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104


@dataclass
class Tally:
    """What the proxy has seen since the last :meth:`StatementCounter.reset`."""

    statements: list[str] = field(default_factory=list)
    connections: int = 0


class _ClientStream:
    """Parses the frontend (client to server) side of one connection."""

    def __init__(self, counter: StatementCounter) -> None:
        self._buffer = bytearray()
        self._startup = True
        self._prepared: dict[bytes, str] = {}
        self._portals: dict[bytes, str] = {}
        self._counter = counter

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while True:
            if self._startup:
                if len(self._buffer) < 8:
                    return
                length, code = struct.unpack("!ii", self._buffer[:8])
                if len(self._buffer) < length:
                    return
                del self._buffer[:length]
                if code not in (_SSL_REQUEST, _GSSENC_REQUEST):
                    self._startup = False
                    self._counter.record_connection()
                continue
            if len(self._buffer) < 5:
                return
            kind = self._buffer[0:1]
            (length,) = struct.unpack("!i", self._buffer[1:5])
            if len(self._buffer) < 1 + length:
                return
            body = bytes(self._buffer[5 : 1 + length])
            del self._buffer[: 1 + length]
            self._message(kind, body)

    def _message(self, kind: bytes, body: bytes) -> None:
        if kind == b"Q":
            self._count(body.split(b"\0", 1)[0].decode(errors="replace"))
        elif kind == b"P":
            name, rest = body.split(b"\0", 1)
            self._prepared[name] = rest.split(b"\0", 1)[0].decode(errors="replace")
        elif kind == b"B":
            portal, rest = body.split(b"\0", 1)
            statement = rest.split(b"\0", 1)[0]
            self._portals[portal] = self._prepared.get(statement, "?")
        elif kind == b"E":
            portal = body.split(b"\0", 1)[0]
            self._count(self._portals.get(portal, "?"))

    def _count(self, sql: str) -> None:
        self._counter.record_statement(sql)


class StatementCounter:
    """Run the proxy on ``127.0.0.1:<port>`` in a background thread."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._lock = threading.Lock()
        self._tally = Tally()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> StatementCounter:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def reset(self) -> None:
        with self._lock:
            self._tally = Tally()

    def record_statement(self, sql: str) -> None:
        with self._lock:
            self._tally.statements.append(sql)

    def record_connection(self) -> None:
        with self._lock:
            self._tally.connections += 1

    def snapshot(self) -> Tally:
        with self._lock:
            return Tally(list(self._tally.statements), self._tally.connections)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        parser = _ClientStream(self)

        async def upstream() -> None:
            while data := await client_reader.read(65536):
                parser.feed(data)
                server_writer.write(data)
                await server_writer.drain()
            server_writer.close()

        async def downstream() -> None:
            while data := await server_reader.read(65536):
                client_writer.write(data)
                await client_writer.drain()
            client_writer.close()

        await asyncio.gather(upstream(), downstream(), return_exceptions=True)
