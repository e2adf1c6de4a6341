"""Operations tuned for schemas that reference each other."""

from __future__ import annotations

from typing import Any


def tenant_operations_class(base: type) -> type:
    """A subclass of the wrapped backend's operations.

    Tenant tables may hold foreign keys to shared tables in public, so a
    ``TRUNCATE`` of a shared table (``flush``, ``TransactionTestCase``) must
    cascade into those tenant tables, or PostgreSQL refuses it.
    """

    def sql_flush(self: Any, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False) -> Any:
        return base.sql_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=True)

    sql_flush.__doc__ = "Flush with ``CASCADE``: tenant tables may reference the flushed shared tables."
    return type("DatabaseOperations", (base,), {"sql_flush": sql_flush, "__module__": __name__})
