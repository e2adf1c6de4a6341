"""``clone_tenant <source_schema> <schema_name>``: a new tenant whose schema copies another's."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.migrations.lifecycle import (
    TenantOperationError,
    clone_tenant,
    describe_validation_error,
    parse_assignments,
)


class Command(BaseCommand):
    help = "Create a tenant as a copy of an existing one: tables, data, sequences, indexes, views, triggers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source_schema", help="Schema of the tenant to copy.")
        parser.add_argument("schema_name", help="Schema name of the new tenant.")
        parser.add_argument("--slug", help="DNS label of the new tenant (default: from the schema name).")
        parser.add_argument("--domain", help="Primary domain of the new tenant.")
        parser.add_argument("--schema-only", action="store_true", help="Copy the structure and no rows.")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            dest="fields",
            metavar="FIELD=VALUE",
            help="Override one of the copied tenant fields (repeatable).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fields: dict[str, Any] = parse_assignments(options["fields"])
            if options["slug"]:
                fields["slug"] = options["slug"]
            tenant = clone_tenant(
                options["source_schema"],
                options["schema_name"],
                domain=options["domain"],
                with_data=not options["schema_only"],
                using=options["database"],
                **fields,
            )
        except TenantOperationError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(f"Invalid tenant: {describe_validation_error(exc)}") from None
        if options["verbosity"]:
            self.stdout.write(f"Cloned {options['source_schema']!r} into tenant {tenant.schema_name!r}.")
