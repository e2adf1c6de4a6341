"""Creating, filling and dropping schemas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.module_loading import import_string

from .conf import tenant_settings
from .context import public_context, schema_context
from .validation import quote_identifier, validate_schema_name

Provisioner = Callable[..., None]


# These statements name their schema, so they run in public: from inside the
# context of a schema that does not exist yet, the backend would refuse them.


def schema_exists(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a schema of that name exists."""
    with public_context(), connections[using].cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)", [schema_name])
        row = cursor.fetchone()
    return bool(row and row[0])


def create_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """``CREATE SCHEMA``; the name is validated first."""
    validate_schema_name(schema_name)
    with public_context(), connections[using].cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_identifier(schema_name)}")


def drop_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """``DROP SCHEMA ... CASCADE``; refuses the public schema and invalid names."""
    validate_schema_name(schema_name)
    with public_context(), connections[using].cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote_identifier(schema_name)} CASCADE")


def migrate_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS, verbosity: int = 0) -> None:
    """Apply every migration of ``TENANT_APPS`` to an existing schema with Django's ``migrate``."""
    with schema_context(schema_name):
        call_command("migrate", database=using, interactive=False, verbosity=verbosity)


def provision_by_migrating(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create a schema and run every tenant migration in it (slow; the fallback)."""
    create_schema(schema_name, using)
    migrate_schema(schema_name, using)


def get_provisioner() -> Provisioner:
    """The function that creates and fills a new tenant schema.

    ``TENANT_SCHEMA_PROVISIONER`` when set; else the migrations package's
    template cloning when it is installed; else :func:`provision_by_migrating`.
    """
    path = tenant_settings.TENANT_SCHEMA_PROVISIONER
    if path:
        return import_string(path)  # type: ignore[no-any-return]
    if apps.is_installed("pg_tenants.migrations"):
        return import_string("pg_tenants.migrations.provisioning.provision_schema")  # type: ignore[no-any-return]
    return provision_by_migrating


def provision_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Create and fill ``schema_name`` with the configured provisioner."""
    validate_schema_name(schema_name)
    get_provisioner()(schema_name, using=using, **kwargs)
