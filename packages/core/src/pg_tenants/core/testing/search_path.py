"""``CaptureSearchPath``: which search paths the backend set, for tests.

Django's ``CaptureQueriesContext`` / ``assertNumQueries`` count only the
application's statements; the backend's own path statements are not logged
there (they would make every query count depend on the previous test's
tenant). Use this to assert how many were sent, and for which schemas:

    with CaptureSearchPath(connection) as paths:
        Note.objects.count()
    assert paths.schemas == ["acme"]
"""

from __future__ import annotations

from types import TracebackType
from typing import Any


class CaptureSearchPath:
    """Record every search path a connection of the tenant backend sets inside the block."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        #: The paths set, as the server reports them (``"acme,public"``), in order.
        self.paths: list[str] = []
        #: The first schema of each path set, in order.
        self.schemas: list[str] = []

    def _observe(self, path: Any) -> None:
        self.paths.append(path.value)
        self.schemas.append(path.schema_name)

    def __len__(self) -> int:
        return len(self.paths)

    def __enter__(self) -> CaptureSearchPath:
        self.connection.search_path_gate.observers.append(self._observe)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.connection.search_path_gate.observers.remove(self._observe)
