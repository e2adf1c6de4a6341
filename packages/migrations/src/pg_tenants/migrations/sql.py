"""The PL/pgSQL functions the package installs in the public schema.

``pg_tenants_clone_schema(src, dst)`` copies a schema in one round trip;
``pg_tenants_schemas_behind(schemas, expected)`` answers "which schemas lack
some of these migrations" in one round trip, and
``pg_tenants_schemas_missing(schemas, expected)`` names them;
``pg_tenants_replay(schemas, path_tail, plan)`` applies one migration plan's
generated SQL to many schemas in one round trip (see :mod:`.replay`), and
``pg_tenants_claim_spare(prefix, dst)`` renames a ready-made spare copy of the
template to a new tenant's name (see :mod:`.spares`). They are
installed (and upgraded) by this app's own migrations, into ``PUBLIC_SCHEMA_NAME``.

How the clone keeps references right: DDL text is generated from the catalog
while ``search_path`` holds only the source schema, so PostgreSQL prints names
inside the source unqualified and everything else (``public``) qualified. The
text is then executed with ``search_path`` holding only the new schema, so the
unqualified names land in the new schema while foreign keys to shared tables
keep pointing at ``public``.

The functions' text lives in ``functions/*.sql`` beside this module (package
data, read with :mod:`importlib.resources`), where ``{ns}`` stands for the
quoted public schema and ``{comment}`` / ``{lock_class}`` for the spare marks
below.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.validation import quote_identifier

#: Bumped whenever a function's body changes; a migration of this app re-installs them.
FUNCTIONS_VERSION = 4

#: The comment that marks a schema as a spare copy of the template (see :mod:`.spares`).
SPARE_COMMENT = "pg_tenants spare schema"

#: First key of the advisory locks on spare schemas (the second is ``hashtext(name)``).
SPARE_LOCK_CLASS = 0x70677370  # "pgsp"

#: The files under ``functions/``, in the order they are installed.
FUNCTION_FILES = ("clone_schema", "schemas_behind", "schemas_missing", "replay", "claim_spare")


@cache
def function_source(name: str) -> str:
    """The text of ``functions/<name>.sql``, placeholders not yet filled in."""
    return files("pg_tenants.migrations").joinpath("functions", f"{name}.sql").read_text(encoding="utf-8")


def install_functions_sql(public_schema: str) -> list[str]:
    """The statements that (re)install the functions in ``public_schema``."""
    # str.replace, not str.format: PL/pgSQL is full of braces ('{}' arrays, regular expressions).
    values = {
        "{ns}": quote_identifier(public_schema),
        "{comment}": f"'{SPARE_COMMENT}'",
        "{lock_class}": str(SPARE_LOCK_CLASS),
    }
    statements = []
    for name in FUNCTION_FILES:
        text = function_source(name)
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        statements.append(text)
    return statements


def install_functions(apps: Any, schema_editor: Any) -> None:
    """The forward step of this app's migrations: (re)install every function, at this version, in public."""
    for statement in install_functions_sql(tenant_settings.PUBLIC_SCHEMA_NAME):
        schema_editor.execute(statement, params=None)


def uninstall_functions_sql(public_schema: str) -> list[str]:
    """The statements that remove the functions (for reversing this app's migration)."""
    ns = quote_identifier(public_schema)
    return [
        f"DROP FUNCTION IF EXISTS {ns}.pg_tenants_clone_schema(text, text, boolean)",
        f"DROP FUNCTION IF EXISTS {ns}.pg_tenants_schemas_behind(text[], text[])",
        *uninstall_replay_functions_sql(public_schema),
        *uninstall_spare_functions_sql(public_schema),
    ]


def uninstall_replay_functions_sql(public_schema: str) -> list[str]:
    """The statements that remove the functions added in version 2."""
    ns = quote_identifier(public_schema)
    return [
        f"DROP FUNCTION IF EXISTS {ns}.pg_tenants_schemas_missing(text[], text[])",
        f"DROP FUNCTION IF EXISTS {ns}.pg_tenants_replay(text[], text, jsonb)",
    ]


def uninstall_spare_functions_sql(public_schema: str) -> list[str]:
    """The statements that remove the function added in version 3."""
    return [f"DROP FUNCTION IF EXISTS {quote_identifier(public_schema)}.pg_tenants_claim_spare(text, text)"]
