"""``clone_tenant <source_schema> <schema_name>``: a new tenant whose schema copies another's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from pg_tenants.core.models import TenantModel
from pg_tenants.migrations.lifecycle import clone_tenant
from pg_tenants.migrations.management.creation import TenantCreationCommand


class Command(TenantCreationCommand):
    help = "Create a tenant as a copy of an existing one: tables, data, sequences, indexes, views, triggers."
    set_help = "Override one of the copied tenant fields (repeatable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source_schema", help="Schema of the tenant to copy.")
        parser.add_argument("schema_name", help="Schema name of the new tenant.")
        parser.add_argument("--schema-only", action="store_true", help="Copy the structure and no rows.")
        super().add_arguments(parser)

    def make_tenant(self, options: dict[str, Any], fields: dict[str, Any]) -> TenantModel:
        return clone_tenant(
            options["source_schema"],
            options["schema_name"],
            domain=options["domain"],
            with_data=not options["schema_only"],
            using=options["database"],
            **fields,
        )

    def done_message(self, options: dict[str, Any], tenant: TenantModel) -> str:
        return f"Cloned {options['source_schema']!r} into tenant {tenant.schema_name!r}."
