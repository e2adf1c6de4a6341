"""Operations that know tables in other schemas may reference the flushed ones."""

from __future__ import annotations

from typing import Any

from django.core.management.color import no_style

# Tables outside the flushed tables' own schemas whose foreign keys lead to
# them, directly or through other such tables: a tenant table referencing a
# shared one, a tenant table referencing that tenant table, and so on.
_REFERENCING_FROM_OTHER_SCHEMAS = """
WITH RECURSIVE flushed AS (
    SELECT c.oid, c.relnamespace
    FROM unnest(%s::text[]) AS t(name)
    JOIN pg_class c ON c.oid = to_regclass(quote_ident(t.name))
),
referencing(oid) AS (
    SELECT k.conrelid
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
    WHERE k.contype = 'f' AND k.confrelid IN (SELECT oid FROM flushed)
      AND c.relnamespace NOT IN (SELECT relnamespace FROM flushed)
    UNION
    SELECT k.conrelid
    FROM pg_constraint k JOIN referencing r ON k.confrelid = r.oid JOIN pg_class c ON c.oid = k.conrelid
    WHERE k.contype = 'f' AND c.relnamespace NOT IN (SELECT relnamespace FROM flushed)
)
SELECT n.nspname, c.relname
FROM referencing r
JOIN pg_class c ON c.oid = r.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY 1, 2
"""


def tenant_operations_class(base: Any) -> Any:
    """A subclass of the wrapped backend's operations whose flush reaches tenant tables that need it.

    Django lists the tables to flush from the current schema only (see
    ``introspection.py``), but tenant tables may hold foreign keys to shared
    tables in public, and PostgreSQL refuses to ``TRUNCATE`` a table that a
    table left out of the statement references.
    """

    class DatabaseOperations(base):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # Statements sql_flush() returned without CASCADE -> (tables, reset_sequences).
            self._flushes: dict[str, tuple[list[str], bool]] = {}

        def sql_flush(
            self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
        ) -> Any:
            """Django's ``TRUNCATE``, unchanged: ``CASCADE`` only with ``allow_cascade``.

            ``allow_cascade`` means what it means to Django: only when it is
            true may the truncation reach tables that are not named. The SQL is
            built without a query (``sqlflush`` prints it, Django's tests call
            it where queries are forbidden); :meth:`execute_sql_flush` adds the
            tables of other schemas that must go with it.
            """
            statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
            if tables and not allow_cascade:
                if len(self._flushes) > 16:  # sql_flush() without execute (sqlflush): keep this bounded
                    self._flushes.clear()
                for sql in statements:
                    self._flushes[sql] = (list(tables), reset_sequences)
            return statements

        def execute_sql_flush(self, sql_list: Any) -> None:
            """Run the flush; a ``TRUNCATE`` from :meth:`sql_flush` also names the tables of other
            schemas whose foreign keys lead to the flushed ones.

            Those are tenant tables referencing shared tables (and the tables
            referencing those): a flush of public (``flush``,
            ``TransactionTestCase``) empties them with it rather than leave
            tenant rows pointing at rows that no longer exist, or fail. A
            table of the flushed tables' own schema that references them and
            is not named still makes PostgreSQL refuse, as with Django's
            backend: nothing is emptied that Django did not ask for, except
            across schemas.
            """
            super().execute_sql_flush([self._naming_other_schemas(sql) for sql in sql_list])

        def _naming_other_schemas(self, sql: str) -> str:
            flush = self._flushes.pop(sql, None)
            if flush is None:
                return sql
            tables, reset_sequences = flush
            with self.connection.cursor() as cursor:
                cursor.execute(_REFERENCING_FROM_OTHER_SCHEMAS, [tables])
                rows = cursor.fetchall()
            if not rows:
                return sql
            # quote_name() takes a name that starts and ends with a double
            # quote as already quoted, so a schema-qualified name passes through.
            others = [f"{self.quote_name(schema)}.{self.quote_name(table)}" for schema, table in rows]
            (statement,) = super().sql_flush(no_style(), tables + others, reset_sequences=reset_sequences)
            return str(statement)

    return DatabaseOperations
