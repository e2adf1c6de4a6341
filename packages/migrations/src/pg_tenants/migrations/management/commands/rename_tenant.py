"""``rename_tenant <schema_name> <new_schema_name>``: rename the schema and the row together."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.migrations.lifecycle import TenantOperationError, describe_validation_error, rename_tenant


class Command(BaseCommand):
    help = "Rename a tenant's schema (ALTER SCHEMA ... RENAME) and its row in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schema_name", help="Current schema name.")
        parser.add_argument("new_schema_name", help="New schema name.")
        parser.add_argument("--slug", help="New slug too (default: unchanged, so URLs keep working).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rename_tenant(
                options["schema_name"], options["new_schema_name"], slug=options["slug"], using=options["database"]
            )
        except TenantOperationError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(f"Invalid tenant: {describe_validation_error(exc)}") from None
        if options["verbosity"]:
            self.stdout.write(f"Renamed {options['schema_name']!r} to {options['new_schema_name']!r}.")
