"""What the text of a statement tells the search-path gate before it is sent.

Used where the server does not report ``search_path`` to the client
(PostgreSQL 17 and older, or a pooler in between): a statement that may change
the session's path makes the gate forget what it confirmed, so the next
statement sets the path again. This is a text match, so it is conservative (a
comment mentioning ``search_path`` costs one extra ``SET``) and it cannot see
through a server-side function that changes the path itself; ``docs/security.md``
says so.
"""

from __future__ import annotations

import re
from typing import Any

# Anything that names the setting (SET, SET LOCAL, RESET, set_config; SHOW is
# harmless but rare), and the commands that reset every setting at once.
_PATH_CHANGING = re.compile(r"search_path|\breset\s+all\b|\bdiscard\s+all\b", re.IGNORECASE)

# Transaction control sent as SQL text rather than through Django: the gate
# can no longer tell whether a SET made in the transaction survived.
_TRANSACTION_CONTROL = re.compile(r"\s*(?:commit|end|rollback|abort|begin|start|prepare)\b", re.IGNORECASE)

# Statements PostgreSQL refuses inside a transaction block. In transaction
# pooling mode the path can only be set inside a transaction, so these cannot
# be given a tenant's path at all.
_NOT_IN_TRANSACTION = re.compile(
    r"\s*(?:vacuum\b|create\s+database\b|drop\s+database\b|alter\s+system\b|create\s+tablespace\b"
    r"|drop\s+tablespace\b|discard\s+all\b|create\s+(?:unique\s+)?index\s+concurrently\b"
    r"|drop\s+index\s+concurrently\b|reindex\b.*\bconcurrently\b|cluster\s*;?\s*$"
    r"|alter\s+table\b.*\bdetach\s+partition\b.*\bconcurrently\b)",
    re.IGNORECASE | re.DOTALL,
)


# DDL that makes a schema disappear under its name.
_SCHEMA_GONE = re.compile(r"\b(?:drop|alter)\s+schema\b", re.IGNORECASE)


# Statements that name no table and cannot run in a transaction: in transaction
# mode they are sent as they are, with no path (CREATE DATABASE makes test databases).
_NO_PATH_NEEDED = re.compile(
    r"\s*(?:create\s+database\b|drop\s+database\b|alter\s+system\b|create\s+tablespace\b|drop\s+tablespace\b)",
    re.IGNORECASE,
)


def statement_text(sql: Any) -> str | None:
    """The text of ``sql`` when it is a plain string or bytes, else ``None`` (composed SQL objects)."""
    if isinstance(sql, str):
        return sql
    if isinstance(sql, bytes | bytearray | memoryview):
        return bytes(sql).decode("utf-8", "replace")
    return None


def may_change_search_path(sql: Any) -> bool:
    """Whether sending ``sql`` may leave the session on another path than before.

    Unknown statement objects count as "may": forgetting costs one ``SET``.
    """
    text = statement_text(sql)
    if text is None:
        return True
    return _PATH_CHANGING.search(text) is not None or _TRANSACTION_CONTROL.match(text) is not None


def cannot_run_in_transaction(sql: Any) -> bool:
    """Whether PostgreSQL refuses ``sql`` inside a transaction block (``VACUUM``, ``… CONCURRENTLY``)."""
    text = statement_text(sql)
    return text is not None and _NOT_IN_TRANSACTION.match(text) is not None


def may_drop_schema(sql: Any) -> bool:
    """Whether ``sql`` may drop or rename a schema (``DROP SCHEMA``, ``ALTER SCHEMA … RENAME``)."""
    text = statement_text(sql)
    return text is None or _SCHEMA_GONE.search(text) is not None


def needs_no_search_path(sql: Any) -> bool:
    """Whether ``sql`` names no table and cannot run in a transaction (``CREATE DATABASE`` & co.)."""
    text = statement_text(sql)
    return text is not None and _NO_PATH_NEEDED.match(text) is not None
