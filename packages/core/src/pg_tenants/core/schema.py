"""Creating, filling, renaming and dropping schemas; the provisioner hook.

A new tenant's schema is made by a *provisioner*, ``provision(schema_name,
using)``. The core's own, :func:`provision_by_migrating`, runs every tenant
migration. A plug-in offers a faster one by calling :func:`register_provisioner`
from its ``AppConfig.ready()`` (the migrations package clones a template
schema); ``TENANT_SCHEMA_PROVISIONER`` overrides both. The core never names
its plug-ins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.module_loading import import_string

from .conf import tenant_settings
from .context import public_context, schema_context
from .validation import quote_identifier, validate_schema_name

Provisioner = Callable[..., None]


@dataclass(frozen=True)
class _Registration:
    app: str
    provisioner: Provisioner
    reserved: Callable[[], Iterable[str]]


#: By the name of the app that registered; used only while that app is installed.
_registered: dict[str, _Registration] = {}


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


def rename_schema(schema_name: str, new_schema_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """``ALTER SCHEMA ... RENAME TO ...``; both names are validated first.

    Only the schema: :meth:`pg_tenants.core.models.TenantModel.rename_schema`
    renames a tenant (schema and row together).
    """
    validate_schema_name(schema_name)
    validate_schema_name(new_schema_name)
    with public_context(), connections[using].cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {quote_identifier(schema_name)} RENAME TO {quote_identifier(new_schema_name)}")


def migrate_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS, verbosity: int = 0) -> None:
    """Apply every migration of ``TENANT_APPS`` to an existing schema with Django's ``migrate``."""
    with schema_context(schema_name):
        call_command("migrate", database=using, interactive=False, verbosity=verbosity)


def provision_by_migrating(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create a schema and run every tenant migration in it (slow; the fallback)."""
    create_schema(schema_name, using)
    migrate_schema(schema_name, using)


def register_provisioner(
    provisioner: Provisioner, *, app: str, reserved_schema_names: Callable[[], Iterable[str]] = tuple
) -> None:
    """Make ``provisioner`` the way new tenant schemas are created while the app ``app`` is installed.

    For a plug-in's ``AppConfig.ready()``. ``reserved_schema_names`` returns
    the schema names the plug-in keeps for itself (a template): no tenant is
    renamed to one of them. Registering again for the same app replaces the
    earlier registration; a second installed app registering a different
    provisioner is an :class:`~django.core.exceptions.ImproperlyConfigured`
    (set ``TENANT_SCHEMA_PROVISIONER`` to choose).
    """
    for other in _installed_registrations():
        if other.app != app and other.provisioner is not provisioner:
            raise ImproperlyConfigured(
                f"Two installed apps register a tenant schema provisioner: {other.app!r} and {app!r}. "
                "Set TENANT_SCHEMA_PROVISIONER to the dotted path of the one to use."
            )
    _registered[app] = _Registration(app, provisioner, reserved_schema_names)


def _installed_registrations() -> list[_Registration]:
    return [registration for registration in _registered.values() if apps.is_installed(registration.app)]


def get_provisioner() -> Provisioner:
    """The function that creates and fills a new tenant schema.

    ``TENANT_SCHEMA_PROVISIONER`` when set; else the one an installed plug-in
    registered (:func:`register_provisioner`); else :func:`provision_by_migrating`.
    """
    path = tenant_settings.TENANT_SCHEMA_PROVISIONER
    if path:
        return import_string(path)  # type: ignore[no-any-return]
    registrations = _installed_registrations()
    return registrations[0].provisioner if registrations else provision_by_migrating


def reserved_schema_names() -> frozenset[str]:
    """The schema names installed plug-ins keep for themselves (e.g. the migrations package's template)."""
    return frozenset(name for registration in _installed_registrations() for name in registration.reserved())


def provision_schema(schema_name: str, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Create and fill ``schema_name`` with the configured provisioner."""
    validate_schema_name(schema_name)
    get_provisioner()(schema_name, using=using, **kwargs)
