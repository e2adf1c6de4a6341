"""Tenant lifecycle: create, clone, rename and delete tenants (row and schema together); the commands call these."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.models import TenantModel
from pg_tenants.core.registry import get_domain_model, get_tenant_model
from pg_tenants.core.schema import drop_schema, schema_exists
from pg_tenants.core.signals import schema_created
from pg_tenants.core.validation import validate_schema_name

from .cloning import clone_schema
from .conf import migration_settings


class TenantOperationError(Exception):
    """A tenant operation that cannot go ahead; the message names the cause and the fix."""


def get_tenant(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> TenantModel:
    """The tenant whose schema is ``schema_name``, or :class:`TenantOperationError`."""
    model = get_tenant_model()
    tenant = model._default_manager.using(using).filter(schema_name=schema_name).first()
    if tenant is None:
        raise TenantOperationError(f"No tenant has schema {schema_name!r}: check the name (see the tenant list).")
    return tenant


def _check_free(schema_name: str, using: str) -> None:
    validate_schema_name(schema_name)
    if schema_name == migration_settings.TENANT_TEMPLATE_SCHEMA_NAME:
        raise TenantOperationError(f"Schema {schema_name!r} is the template schema (TENANT_TEMPLATE_SCHEMA_NAME).")
    if get_tenant_model()._default_manager.using(using).filter(schema_name=schema_name).exists():
        raise TenantOperationError(f"A tenant with schema {schema_name!r} already exists: pick another name.")
    if schema_exists(schema_name, using):
        raise TenantOperationError(
            f"Schema {schema_name!r} already exists in the database without a tenant row: drop it or pick another name."
        )


def _add_domain(tenant: TenantModel, domain: str | None, using: str) -> None:
    if not domain:
        return
    if not tenant_settings.TENANT_DOMAIN_MODEL:
        raise TenantOperationError("A domain was given but TENANT_DOMAIN_MODEL is not set.")
    domain_model: Any = get_domain_model()
    domain_model(domain=domain, tenant=tenant, is_primary=True).save(using=using)


def create_tenant(
    schema_name: str, *, domain: str | None = None, using: str = DEFAULT_DB_ALIAS, **fields: Any
) -> TenantModel:
    """Create a tenant row, its schema (cloned from the template) and optionally a primary domain, atomically."""
    _check_free(schema_name, using)
    model = get_tenant_model()
    with transaction.atomic(using=using):
        tenant = model(schema_name=schema_name, **fields)
        tenant.full_clean(validate_unique=False)
        tenant.save(using=using)
        _add_domain(tenant, domain, using)
    return tenant


def clone_tenant(
    source_schema: str,
    schema_name: str,
    *,
    domain: str | None = None,
    with_data: bool = True,
    using: str = DEFAULT_DB_ALIAS,
    **fields: Any,
) -> TenantModel:
    """Create a tenant whose schema is a copy of ``source_schema``'s (with its data unless ``with_data=False``).

    The new row copies the source tenant's own fields except the schema name and
    slug; ``fields`` override them. Sends ``schema_created``.
    """
    source = get_tenant(source_schema, using)
    _check_free(schema_name, using)
    model = get_tenant_model()
    skip = {"id", model._meta.pk.attname, "schema_name", "slug", "created_on"}
    values = {
        f.attname: getattr(source, f.attname)
        for f in model._meta.concrete_fields
        if f.attname not in skip and not f.primary_key
    }
    values.update(fields)
    with transaction.atomic(using=using):
        tenant = model(schema_name=schema_name, **values)
        # The schema is the clone below, not a fresh provisioning.
        tenant.auto_create_schema = False  # type: ignore[misc]
        tenant.full_clean(validate_unique=False)
        tenant.save(using=using)
        if clone_schema(source_schema, schema_name, using=using, with_data=with_data) is None:
            raise TenantOperationError(
                "The clone function is not installed in the public schema: run migrate_schemas --shared first."
            )
        _add_domain(tenant, domain, using)
        schema_created.send(sender=model, tenant=tenant, schema_name=schema_name)
    return tenant


def delete_tenant(schema_name: str, *, keep_schema: bool = False, using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete the tenant row and (unless ``keep_schema``) drop its schema, atomically."""
    tenant = get_tenant(schema_name, using)
    if tenant.is_public:
        raise TenantOperationError("The public tenant cannot be deleted: it owns the shared apps' tables.")
    with transaction.atomic(using=using):
        tenant.delete(using=using)
        if not keep_schema and schema_exists(schema_name, using):
            drop_schema(schema_name, using)


def rename_tenant(
    schema_name: str, new_schema_name: str, *, slug: str | None = None, using: str = DEFAULT_DB_ALIAS
) -> TenantModel:
    """Rename a tenant's schema and row in one transaction, once the new name is known to be free.

    The rename itself is :meth:`pg_tenants.core.models.TenantModel.rename_schema`.
    """
    tenant = get_tenant(schema_name, using)
    if tenant.is_public:
        raise TenantOperationError("The public tenant's schema cannot be renamed.")
    _check_free(new_schema_name, using)
    tenant.rename_schema(new_schema_name, slug=slug, using=using)
    return tenant


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``["name=Acme", "tenant_type=premium"]`` to a dict; bad items raise :class:`TenantOperationError`."""
    model = get_tenant_model()
    names = {f.name for f in model._meta.concrete_fields} | {f.attname for f in model._meta.concrete_fields}
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise TenantOperationError(f"--set expects FIELD=VALUE, got {pair!r}.")
        if key not in names:
            known = ", ".join(sorted(f.name for f in model._meta.concrete_fields))
            raise TenantOperationError(f"{model.__name__} has no field {key!r}; fields: {known}.")
        result[key] = value
    return result


def describe_validation_error(exc: ValidationError) -> str:
    """One line out of a ``ValidationError``."""
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)
