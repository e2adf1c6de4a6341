"""Validation of schema names and slugs, done before any of them reaches SQL."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from .conf import tenant_settings

SCHEMA_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")

_RESERVED = frozenset({"information_schema"})


class InvalidSchemaName(ValidationError, ValueError):
    """A schema name that must never reach the database."""


def validate_schema_name(name: object, *, allow_public: bool = False) -> str:
    """Return ``name`` if it is a schema name a tenant may have, else raise.

    Allowed: lowercase ASCII letters, digits and underscores, starting with a
    letter or underscore, 1 to 63 characters, not starting with ``pg_``, not
    ``information_schema``, and not the public schema unless ``allow_public``.
    """
    if not isinstance(name, str) or not SCHEMA_NAME_RE.fullmatch(name):
        raise InvalidSchemaName(
            f"Schema name {name!r} is invalid: use lowercase letters, digits and "
            "underscores, starting with a letter or underscore (max 63).",
            code="invalid_schema_name",
        )
    if name.startswith("pg_") or name in _RESERVED:
        raise InvalidSchemaName(
            f"Schema name {name!r} is reserved by PostgreSQL: names starting with "
            "'pg_' and 'information_schema' cannot be tenant schemas.",
            code="reserved_schema_name",
        )
    if not allow_public and name == tenant_settings.PUBLIC_SCHEMA_NAME:
        raise InvalidSchemaName(
            f"Schema name {name!r} is the public schema (PUBLIC_SCHEMA_NAME) and cannot be used for a tenant.",
            code="public_schema_name",
        )
    return name


def is_valid_schema_name(name: object, *, allow_public: bool = False) -> bool:
    """``True`` when :func:`validate_schema_name` accepts ``name``."""
    try:
        validate_schema_name(name, allow_public=allow_public)
    except InvalidSchemaName:
        return False
    return True


def validate_tenant_schema_name(value: str) -> None:
    """Model-field validator for ``TenantModel.schema_name`` (public allowed for the public row)."""
    validate_schema_name(value, allow_public=True)


def validate_slug(value: object) -> None:
    """Raise ``ValidationError`` unless ``value`` is a DNS label (what subdomain, header and path resolvers match)."""
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        raise ValidationError(
            f"Slug {value!r} is invalid: use lowercase letters, digits and hyphens, "
            "not starting or ending with a hyphen (max 63).",
            code="invalid_slug",
        )


def is_valid_slug(value: object) -> bool:
    """``True`` when :func:`validate_slug` accepts ``value``."""
    return isinstance(value, str) and SLUG_RE.fullmatch(value) is not None


def slug_from_schema_name(schema_name: str) -> str:
    """Derive a DNS label from a schema name: ``acme_corp`` becomes ``acme-corp``."""
    return schema_name.replace("_", "-").strip("-")[:63].rstrip("-")


def quote_identifier(name: str) -> str:
    """Double-quote a validated identifier for SQL."""
    return '"' + name.replace('"', '""') + '"'
