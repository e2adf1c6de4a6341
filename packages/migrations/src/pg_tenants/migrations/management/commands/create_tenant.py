"""``create_tenant <schema_name>``: a tenant row, its schema (cloned from the template) and a domain."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.migrations.lifecycle import (
    TenantOperationError,
    create_tenant,
    describe_validation_error,
    parse_assignments,
)


class Command(BaseCommand):
    help = "Create a tenant: its row, its schema (cloned from the template, else migrated) and a primary domain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schema_name", help="Schema name of the new tenant (lowercase, digits, underscores).")
        parser.add_argument("--slug", help="DNS label for the resolvers (default: from the schema name).")
        parser.add_argument("--domain", help="Primary domain to add (needs TENANT_DOMAIN_MODEL).")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            dest="fields",
            metavar="FIELD=VALUE",
            help="Value of one of your tenant model's own fields (repeatable).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fields: dict[str, Any] = parse_assignments(options["fields"])
            if options["slug"]:
                fields["slug"] = options["slug"]
            tenant = create_tenant(
                options["schema_name"], domain=options["domain"], using=options["database"], **fields
            )
        except TenantOperationError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(f"Invalid tenant: {describe_validation_error(exc)}") from None
        if options["verbosity"]:
            self.stdout.write(f"Created tenant {tenant.schema_name!r} (slug {tenant.slug!r}).")
