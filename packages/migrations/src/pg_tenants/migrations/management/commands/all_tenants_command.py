"""``all_tenants_command <command> [args]``: run a management command in every tenant schema."""

from __future__ import annotations

import argparse
import io
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pg_tenants.core import schema_context
from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name
from pg_tenants.migrations.management.plain_migrate import refuse_migrate
from pg_tenants.migrations.runner import run_parallel, tenant_schema_names


class Command(BaseCommand):
    help = (
        "Run a management command once per tenant schema, that tenant active. One failing tenant does not "
        "stop the others; the run exits non-zero naming it. --jobs N runs N at once (for commands that are "
        "safe to run in parallel; their output is printed per tenant when each finishes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-s", "--schema", action="append", default=[], dest="schemas", help="Only these schemas.")
        parser.add_argument("-x", "--exclude", action="append", default=[], dest="excludes", help="Skip these schemas.")
        parser.add_argument("-j", "--jobs", type=int, default=1, help="Tenants at once (default 1: one by one).")
        parser.add_argument("--database", default="default")
        parser.add_argument("command_name", help="The management command to run.")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, help="Its arguments and options.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["jobs"] < 1:
            raise CommandError(f"--jobs must be at least 1, got {options['jobs']}.")
        refuse_migrate(
            options["command_name"], "migrate_schemas [APP [MIGRATION]] instead (it migrates the template too)"
        )
        for name in options["schemas"] + options["excludes"]:
            try:
                validate_schema_name(name)
            except InvalidSchemaName as exc:
                raise CommandError(exc.messages[0]) from None
        names = tenant_schema_names(options["database"])
        if options["schemas"]:
            unknown = sorted(set(options["schemas"]) - set(names))
            if unknown:
                raise CommandError(f"No tenant has schema {', '.join(map(repr, unknown))}.")
            names = [n for n in names if n in options["schemas"]]
        names = [n for n in names if n not in set(options["excludes"])]
        command, command_args = options["command_name"], options["command_args"]
        failures: list[str] = []

        def work(schema_name: str) -> tuple[str, str, str | None]:
            out = io.StringIO()
            try:
                with schema_context(schema_name):
                    call_command(command, *command_args, stdout=out, stderr=out)
            except (Exception, SystemExit) as exc:  # one tenant's failure must not stop the others
                return schema_name, out.getvalue(), f"{type(exc).__name__}: {exc}"
            return schema_name, out.getvalue(), None

        def done(result: tuple[str, str, str | None]) -> None:
            schema_name, output, error = result
            if options["verbosity"]:
                self.stdout.write(f"=== {schema_name}")
                if output:
                    self.stdout.write(output.rstrip("\n"))
            if error:
                failures.append(f"{schema_name} ({error})")
                self.stderr.write(f"{schema_name}: FAILED: {error}")

        run_parallel(names, work, options["jobs"], done, options["database"])
        if failures:
            raise CommandError(f"{command} failed in {len(failures)} tenant(s): {', '.join(failures)}")
