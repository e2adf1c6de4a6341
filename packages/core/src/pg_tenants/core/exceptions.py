"""Errors django-pg-tenants raises at run time (configuration errors are system checks)."""

from __future__ import annotations

from django.db import NotSupportedError, ProgrammingError


class SchemaNotFound(ProgrammingError):
    """The active tenant's schema does not exist, so its search path is refused.

    Raised by the backend instead of letting PostgreSQL accept a search path
    whose first schema is missing, which would resolve the tenant's tables in
    ``public``. A :class:`django.db.ProgrammingError`, so Django treats it as
    any failed statement (the transaction is marked for rollback).
    """

    def __init__(self, schema_name: str) -> None:
        self.schema_name = schema_name
        super().__init__(
            f"Schema {schema_name!r} does not exist: the tenant's search path was not set, so no query ran "
            "in another schema. Create the schema (create_tenant, or save the tenant with auto_create_schema) "
            "or deactivate the tenant."
        )


class NotInTransactionMode(NotSupportedError):
    """A statement that cannot run inside a transaction, sent in ``TENANT_SEARCH_PATH_MODE = "transaction"``."""
