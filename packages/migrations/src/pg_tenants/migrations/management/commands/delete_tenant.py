"""``delete_tenant <schema_name>``: delete the tenant row and drop its schema, after confirmation."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.migrations.lifecycle import TenantOperationError, delete_tenant, get_tenant


class Command(BaseCommand):
    help = "Delete a tenant and drop its schema with all its data (asks first unless --noinput)."
    #: ``call_command(..., stdin=io.StringIO("acme\\n"))`` answers the confirmation.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schema_name", help="Schema of the tenant to delete.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation."
        )
        parser.add_argument("--keep-schema", action="store_true", help="Delete the row but keep the schema.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        schema_name = options["schema_name"]
        try:
            get_tenant(schema_name, options["database"])
        except TenantOperationError as exc:
            raise CommandError(str(exc)) from None
        if options["interactive"]:
            what = "the tenant row" if options["keep_schema"] else "the tenant and ALL the data in its schema"
            self.stdout.write(f"This deletes {what} {schema_name!r}. Type the schema name to confirm: ", ending="")
            self.stdout.flush()
            answer = (options.get("stdin") or sys.stdin).readline()
            if answer.strip() != schema_name:
                raise CommandError("Not confirmed; nothing was deleted.")
        try:
            delete_tenant(schema_name, keep_schema=options["keep_schema"], using=options["database"])
        except TenantOperationError as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"]:
            self.stdout.write(f"Deleted tenant {schema_name!r}.")
