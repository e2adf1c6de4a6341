"""Introspection that sees only the current schema.

PostgreSQL's introspection queries ask ``pg_table_is_visible()``, which looks
through the whole search path: from a tenant schema, ``public``'s tables would
look like the tenant's own, and migrations would skip creating them. Narrowing
the path to the current schema for the duration of each call keeps Django's
own (version-specific) queries and makes them answer for one schema.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pg_tenants.core.context import get_current_schema_name

_NARROWED = (
    "get_table_list",
    "get_table_description",
    "get_sequences",
    "get_relations",
    "get_primary_key_column",
    "get_primary_key_columns",
    "get_constraints",
)


@contextmanager
def only_current_schema(connection: Any) -> Iterator[None]:
    """Within the block, the connection's search path holds the active schema alone."""
    previous = connection._narrow_to
    connection._narrow_to = get_current_schema_name()
    try:
        yield
    finally:
        connection._narrow_to = previous


def _narrowed(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def inner(self: Any, *args: Any, **kwargs: Any) -> Any:
        with only_current_schema(self.connection):
            return method(self, *args, **kwargs)

    return inner


def narrowed_introspection_class(base: type) -> type:
    """A subclass of the wrapped backend's introspection whose look-ups see one schema."""
    attrs: dict[str, Any] = {name: _narrowed(getattr(base, name)) for name in _NARROWED if hasattr(base, name)}
    attrs["__doc__"] = "Introspection limited to the active schema."
    attrs["__module__"] = __name__
    return type("DatabaseIntrospection", (base,), attrs)
