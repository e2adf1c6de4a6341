"""A comparable description of a schema's catalog, to check that a clone equals a migrated schema.

``describe_schema(name)`` lists columns, defaults, constraints (with foreign-key
targets as ``"<same schema>"`` or the other schema's name), indexes, sequences
and their positions, views, functions, triggers, ``django_migrations`` rows and
row counts, with the schema's own name replaced so two schemas can be compared
with ``==``.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from pg_tenants.core.validation import quote_identifier, validate_schema_name

SAME = "<same schema>"

_QUERIES: dict[str, str] = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
               a.attgenerated, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = %(oid)s AND c.relkind IN ('r', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY 1, 2""",
    "constraints": """
        SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid), con.condeferrable,
               con.condeferred, con.convalidated,
               CASE WHEN con.confrelid = 0 THEN NULL WHEN fn.oid = %(oid)s THEN %(same)s ELSE fn.nspname END,
               fc.relname
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
        WHERE c.relnamespace = %(oid)s ORDER BY 1, 2""",
    "indexes": """
        SELECT c.relname, ic.relname, pg_get_indexdef(i.indexrelid), i.indisunique, i.indisprimary
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE c.relnamespace = %(oid)s ORDER BY 1, 2""",
    "sequences": """
        SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
               s.seqcache, s.seqcycle
        FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid
        WHERE c.relnamespace = %(oid)s ORDER BY 1""",
    "sequence_owners": """
        SELECT seq.relname, tab.relname, a.attname, d.deptype
        FROM pg_depend d JOIN pg_class seq ON seq.oid = d.objid AND seq.relkind = 'S'
        JOIN pg_class tab ON tab.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = tab.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
          AND seq.relnamespace = %(oid)s ORDER BY 1""",
    "views": """
        SELECT c.relname, c.relkind, pg_get_viewdef(c.oid) FROM pg_class c
        WHERE c.relnamespace = %(oid)s AND c.relkind IN ('v', 'm') ORDER BY 1""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
        FROM pg_proc p WHERE p.pronamespace = %(oid)s ORDER BY 1, 2""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = %(oid)s AND NOT t.tgisinternal ORDER BY 1, 2""",
    "tables": """
        SELECT c.relname, c.relkind, c.relpersistence FROM pg_class c
        WHERE c.relnamespace = %(oid)s AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'i') ORDER BY 1""",
}


def describe_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """The catalog of ``schema_name`` as plain, comparable data (its own name replaced by ``<schema>``)."""
    validate_schema_name(schema_name)
    quoted = quote_identifier(schema_name)
    result: dict[str, Any] = {}
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [schema_name])
        row = cursor.fetchone()
        if row is None:
            raise LookupError(f"schema {schema_name!r} does not exist")
        params = {"oid": row[0], "same": SAME}
        for key, sql in _QUERIES.items():
            cursor.execute(sql, params)
            result[key] = [
                tuple(
                    value.replace(quoted + ".", "<schema>.").replace(schema_name + ".", "<schema>.")
                    if isinstance(value, str)
                    else value
                    for value in item
                )
                for item in cursor.fetchall()
            ]
        positions = []
        for name, *_ in result["sequences"]:
            cursor.execute(f"SELECT last_value, is_called FROM {quoted}.{quote_identifier(name)}")
            positions.append((name, *cursor.fetchone()))
        result["sequence_positions"] = positions
        counts = []
        for name, kind, _ in result["tables"]:
            if kind == "r":
                cursor.execute(f"SELECT count(*) FROM {quoted}.{quote_identifier(name)}")
                counts.append((name, cursor.fetchone()[0]))
        result["row_counts"] = counts
        if any(name == "django_migrations" for name, _ in counts):
            cursor.execute(f"SELECT app, name FROM {quoted}.django_migrations ORDER BY app, name")
            result["django_migrations"] = cursor.fetchall()
    return result
