"""``migrate_schemas``: SHARED_APPS into public, then TENANT_APPS into every tenant schema (and the template)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name
from pg_tenants.migrations.conf import migration_settings
from pg_tenants.migrations.lock import MigrationLockBusy
from pg_tenants.migrations.migration_run import MigrationRun, MigrationRunError, RunOptions
from pg_tenants.migrations.reporting import make_reporter


class Command(BaseCommand):
    help = (
        "Migrate SHARED_APPS into the public schema, then TENANT_APPS into the template schema and every "
        "tenant schema that is behind, in parallel. Schemas already up to date are skipped after one query; "
        "a failing schema does not stop the others, and the run exits non-zero naming it. With APP [MIGRATION], "
        "every schema that migrates APP (and the template) is brought to that migration instead, forwards or "
        "backwards, by the migration executor in each schema."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "app_label",
            nargs="?",
            help="App label of an app to bring to a migration; alone, to its latest migration.",
        )
        parser.add_argument(
            "migration_name",
            nargs="?",
            help='The migration (a unique prefix of its name) to bring APP to, forwards or backwards; "zero" '
            "unapplies all of APP's migrations.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: 'default').")
        side = parser.add_mutually_exclusive_group()
        side.add_argument("--shared", action="store_true", help="Only migrate the public schema.")
        side.add_argument("--tenants", action="store_true", help="Only migrate tenant schemas and the template.")
        parser.add_argument(
            "-s",
            "--schema",
            action="append",
            default=[],
            dest="schemas",
            help="Only these tenant schemas (repeatable).",
        )
        parser.add_argument(
            "-x", "--exclude", action="append", default=[], dest="excludes", help="Skip these schemas (repeatable)."
        )
        parser.add_argument(
            "-j",
            "--jobs",
            type=int,
            default=None,
            help="Schemas migrated at once, one database connection each (default: TENANT_MIGRATION_JOBS, 2).",
        )
        parser.add_argument("--plan", action="store_true", help="Show what would be applied; change nothing.")
        parser.add_argument(
            "--check", action="store_true", help="Exit non-zero if any schema has unapplied migrations."
        )
        parser.add_argument("--fake", action="store_true", help="Record migrations as applied without running them.")
        parser.add_argument(
            "--fake-initial", action="store_true", help="Fake initial migrations whose tables already exist."
        )
        parser.add_argument(
            "--executor",
            action="store_true",
            help="Run Django's migration executor in every schema instead of replaying generated SQL "
            "(default: TENANT_MIGRATION_REPLAY decides).",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="Refuse to start when another migrate_schemas is running (default: wait for it).",
        )
        parser.add_argument(
            "--format",
            choices=["auto", "bar", "plain", "json"],
            default="auto",
            help="Progress output: a bar on a terminal, plain lines otherwise, or JSON lines.",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Accepted for compatibility with migrate; migrate_schemas never prompts.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run_options = self._run_options(options)
        stream: Any = getattr(self.stdout, "_out", self.stdout)
        reporter = make_reporter(options["format"], stream, options["verbosity"])
        try:
            summary = MigrationRun(run_options, reporter).execute()
        except (MigrationLockBusy, MigrationRunError) as exc:
            raise CommandError(str(exc)) from None
        reporter.summary(summary)
        if summary.failed:
            names = ", ".join(f"{failure.schema} ({failure.error})" for failure in summary.failed)
            raise CommandError(f"migrate_schemas failed in {len(summary.failed)} schema(s): {names}")
        if summary.check and summary.behind:
            if options["app_label"]:
                raise CommandError(f"{summary.behind} schema(s) are not at the target migration.")
            raise CommandError(f"{summary.behind} schema(s) have unapplied migrations.")

    def _run_options(self, options: dict[str, Any]) -> RunOptions:
        """The run the command line asks for; bad values are a :class:`CommandError` before anything starts."""
        jobs = options["jobs"] if options["jobs"] is not None else migration_settings.TENANT_MIGRATION_JOBS
        if jobs < 1:
            raise CommandError(f"--jobs must be at least 1, got {jobs}.")
        for name in options["schemas"] + options["excludes"]:
            try:
                validate_schema_name(name, allow_public=True)
            except InvalidSchemaName as exc:
                raise CommandError(exc.messages[0]) from None
        return RunOptions(
            using=options["database"],
            shared_only=options["shared"],
            tenants_only=options["tenants"],
            schemas=frozenset(options["schemas"]),
            excludes=frozenset(options["excludes"]),
            jobs=jobs,
            plan=options["plan"],
            check=options["check"],
            fake=options["fake"],
            fake_initial=options["fake_initial"],
            executor=options["executor"],
            wait=not options["no_wait"],
            app_label=options["app_label"],
            migration_name=options["migration_name"],
        )
