"""Operations tuned for schemas that reference each other."""

from __future__ import annotations

from typing import Any


def tenant_operations_class(base: Any) -> Any:
    """A subclass of the wrapped backend's operations.

    Tenant tables may hold foreign keys to shared tables in public, so a
    ``TRUNCATE`` of a shared table (``flush``, ``TransactionTestCase``) must
    cascade into those tenant tables, or PostgreSQL refuses it.
    """

    class DatabaseOperations(base):
        def sql_flush(
            self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
        ) -> Any:
            """Flush with ``CASCADE``: tenant tables may reference the flushed shared tables."""
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=True)

    return DatabaseOperations
