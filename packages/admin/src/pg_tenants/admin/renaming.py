"""Renaming a tenant's schema from the admin.

The form checks the new name; :meth:`pg_tenants.core.models.TenantModel.rename_schema`
renames the schema and the row in one transaction, so a failure leaves both
as they were.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from pg_tenants.core.models import TenantModel
from pg_tenants.core.schema import reserved_schema_names, schema_exists
from pg_tenants.core.validation import validate_tenant_schema_name


class RenameSchemaForm(forms.Form):
    """The new schema name: valid, different, not reserved, and free both as a schema and as a tenant row."""

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
        if name in reserved_schema_names():
            raise ValidationError(f"The schema name “{name}” is reserved (a template schema): choose another.")
        if type(self.tenant)._default_manager.filter(schema_name=name).exists():
            raise ValidationError(f"Another tenant already uses the schema name “{name}”: choose another.")
        if schema_exists(name):
            raise ValidationError(
                f"A schema named “{name}” already exists in the database: choose another name, or drop it first."
            )
        return name
