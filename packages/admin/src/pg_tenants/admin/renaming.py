"""Renaming a tenant's schema from the admin.

The schema and the row change in one transaction, so a failure leaves both
as they were.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction

from pg_tenants.core.models import TenantModel
from pg_tenants.core.schema import schema_exists
from pg_tenants.core.validation import quote_identifier, validate_tenant_schema_name


class RenameSchemaForm(forms.Form):
    """The new schema name: valid, different, and free both as a schema and as a tenant row."""

    schema_name = forms.CharField(
        max_length=63,
        label="New schema name",
        validators=[validate_tenant_schema_name],
        help_text="Lowercase letters, digits and underscores, starting with a letter or underscore.",
    )

    def __init__(self, *args: Any, tenant: TenantModel, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["schema_name"].initial = tenant.schema_name

    def clean_schema_name(self) -> str:
        name: str = self.cleaned_data["schema_name"]
        if name == self.tenant.schema_name:
            raise ValidationError(f"The schema is already called “{name}”: type the new name.")
        if type(self.tenant)._default_manager.filter(schema_name=name).exists():
            raise ValidationError(f"Another tenant already uses the schema name “{name}”: choose another.")
        if schema_exists(name):
            raise ValidationError(
                f"A schema named “{name}” already exists in the database: choose another name, or drop it first."
            )
        return name


def rename_schema(tenant: TenantModel, new_name: str) -> None:
    """``ALTER SCHEMA … RENAME TO …`` and save the row's new ``schema_name``, atomically.

    Uses the migrations package's ``rename_tenant`` when it is installed.
    """
    validate_tenant_schema_name(new_name)
    using = router.db_for_write(type(tenant), instance=tenant)
    old = tenant.schema_name
    if apps.is_installed("pg_tenants.migrations"):
        from pg_tenants.migrations.lifecycle import rename_tenant

        renamed = rename_tenant(old, new_name, using=using)
        tenant.schema_name = renamed.schema_name
        tenant._saved_schema_name = renamed.schema_name
        return
    rename_in_place(tenant, new_name, using=using)


def rename_in_place(tenant: TenantModel, new_name: str, *, using: str = "default") -> None:
    """The rename without the migrations package: the schema, then the row, in one transaction."""
    validate_tenant_schema_name(new_name)
    old = tenant.schema_name
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute(f"ALTER SCHEMA {quote_identifier(old)} RENAME TO {quote_identifier(new_name)}")
        tenant.schema_name = new_name
        tenant._renaming = True  # type: ignore[attr-defined]
        try:
            tenant.save(update_fields=["schema_name"])
        except Exception:
            tenant.schema_name = old
            raise
        finally:
            tenant._renaming = False  # type: ignore[attr-defined]
