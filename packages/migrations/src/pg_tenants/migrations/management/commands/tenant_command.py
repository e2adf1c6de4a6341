"""``tenant_command <command> [args] --schema s``: run any management command inside one tenant."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pg_tenants.core import schema_context
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.schema import schema_exists
from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name
from pg_tenants.migrations.management.plain_migrate import refuse_migrate


class Command(BaseCommand):
    help = "Run a management command with one tenant's schema active: tenant_command dumpdata notes --schema acme"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-s", "--schema", dest="schema_name", help="Schema to run in (required).")
        parser.add_argument("--database", default="default")
        parser.add_argument("command_name", help="The management command to run.")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, help="Its arguments and options.")

    def handle(self, *args: Any, **options: Any) -> None:
        schema_name = options["schema_name"]
        if not schema_name:
            raise CommandError("--schema is required: name the tenant schema to run the command in.")
        try:
            validate_schema_name(schema_name, allow_public=True)
        except InvalidSchemaName as exc:
            raise CommandError(exc.messages[0]) from None
        if schema_name != tenant_settings.PUBLIC_SCHEMA_NAME:
            refuse_migrate(options["command_name"], f"migrate_schemas --schema {schema_name} [APP [MIGRATION]] instead")
            if not schema_exists(schema_name, options["database"]):
                raise CommandError(f"Schema {schema_name!r} does not exist: check the name (see the tenant list).")
        with schema_context(schema_name):
            call_command(
                options["command_name"], *options["command_args"], stdout=self.stdout._out, stderr=self.stderr._out
            )
