"""``spare_schemas``: show, fill, rebuild or drop the spare copies of the template (``TENANT_SPARE_SCHEMAS``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.migrations.conf import migration_settings
from pg_tenants.migrations.spares import drop_spare_schemas, refill_spare_schemas, spare_schema_names


class Command(BaseCommand):
    help = (
        "Spare schemas are copies of the template made ahead of time; a new tenant takes one by renaming it. "
        "Without options: list them. --fill makes them up to TENANT_SPARE_SCHEMAS (or --count), --rebuild "
        "drops them all first (after changing the template's data by hand), --drop removes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--fill", action="store_true", help="Clone the template until enough spares exist.")
        action.add_argument("--rebuild", action="store_true", help="Drop every spare, then fill.")
        action.add_argument("--drop", action="store_true", help="Drop every spare.")
        parser.add_argument("--count", type=int, help="How many spares to keep (default: TENANT_SPARE_SCHEMAS).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        count = migration_settings.TENANT_SPARE_SCHEMAS if options["count"] is None else options["count"]
        if count < 0:
            raise CommandError("--count must be 0 or more.")
        if options["drop"] or options["rebuild"]:
            dropped = drop_spare_schemas(using=using)
            self.stdout.write(f"Dropped {len(dropped)} spare schema(s).")
        if options["fill"] or options["rebuild"]:
            if not migration_settings.TENANT_USE_TEMPLATE:
                raise CommandError("TENANT_USE_TEMPLATE is False: spare schemas are copies of the template.")
            made = refill_spare_schemas(count, using=using)
            self.stdout.write(f"Made {made} spare schema(s) from the template.")
        names = spare_schema_names(using)
        self.stdout.write(f"{len(names)} spare schema(s), {count} wanted.")
        if options["verbosity"] > 1:
            for name in names:
                self.stdout.write(f"  {name}")
