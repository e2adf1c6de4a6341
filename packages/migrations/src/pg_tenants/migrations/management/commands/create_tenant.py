"""``create_tenant <schema_name>``: a tenant row, its schema (cloned from the template) and a domain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from pg_tenants.core.models import TenantModel
from pg_tenants.migrations.lifecycle import create_tenant
from pg_tenants.migrations.management.creation import TenantCreationCommand


class Command(TenantCreationCommand):
    help = "Create a tenant: its row, its schema (cloned from the template, else migrated) and a primary domain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schema_name", help="Schema name of the new tenant (lowercase, digits, underscores).")
        super().add_arguments(parser)

    def make_tenant(self, options: dict[str, Any], fields: dict[str, Any]) -> TenantModel:
        return create_tenant(options["schema_name"], domain=options["domain"], using=options["database"], **fields)

    def done_message(self, options: dict[str, Any], tenant: TenantModel) -> str:
        return f"Created tenant {tenant.schema_name!r} (slug {tenant.slug!r})."
