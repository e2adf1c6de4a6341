"""``migrate_schemas``: SHARED_APPS into public, then TENANT_APPS into every tenant schema (and the template)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name
from pg_tenants.migrations.conf import migration_settings
from pg_tenants.migrations.graph import load_graph
from pg_tenants.migrations.lock import MigrationLockBusy, migration_lock
from pg_tenants.migrations.replay import ReplayPlan, prepare_replay, replay_batch
from pg_tenants.migrations.reporting import make_reporter
from pg_tenants.migrations.runner import (
    SchemaOutcome,
    migrate_schema,
    run_parallel,
    schemas_behind,
    schemas_missing,
    tenant_schema_names,
)
from pg_tenants.migrations.spares import refresh_spare_schemas

#: A unit of work: one schema for the executor, or a batch of schemas and the plan they replay.
WorkItem = str | tuple[list[str], ReplayPlan]


class Command(BaseCommand):
    help = (
        "Migrate SHARED_APPS into the public schema, then TENANT_APPS into the template schema and every "
        "tenant schema that is behind, in parallel. Schemas already up to date are skipped after one query; "
        "a failing schema does not stop the others, and the run exits non-zero naming it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
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
        using: str = options["database"]
        jobs = options["jobs"] if options["jobs"] is not None else migration_settings.TENANT_MIGRATION_JOBS
        if jobs < 1:
            raise CommandError(f"--jobs must be at least 1, got {jobs}.")
        for name in options["schemas"] + options["excludes"]:
            try:
                validate_schema_name(name, allow_public=True)
            except InvalidSchemaName as exc:
                raise CommandError(exc.messages[0]) from None
        stream: Any = getattr(self.stdout, "_out", self.stdout)
        reporter = make_reporter(options["format"], stream, options["verbosity"])

        def waiting(holder: int | None) -> None:
            who = f" (PostgreSQL backend pid {holder})" if holder else ""
            reporter.message(f"Another migrate_schemas is running{who}; waiting for it to finish...")

        started = time.monotonic()
        try:
            with migration_lock(using, wait=not options["no_wait"], on_wait=waiting):
                summary = self._run(using, jobs, options, reporter)
        except MigrationLockBusy as exc:
            raise CommandError(str(exc)) from None
        summary["seconds"] = round(time.monotonic() - started, 3)
        reporter.summary(summary)
        if summary["failed"]:
            names = ", ".join(f"{f['schema']} ({f['error']})" for f in summary["failed"])
            raise CommandError(f"migrate_schemas failed in {len(summary['failed'])} schema(s): {names}")
        if options["check"] and summary["behind"]:
            raise CommandError(f"{summary['behind']} schema(s) have unapplied migrations.")

    def _run(self, using: str, jobs: int, options: dict[str, Any], reporter: Any) -> dict[str, Any]:
        snapshot = load_graph(refresh=True)
        public = tenant_settings.PUBLIC_SCHEMA_NAME
        plan, check = options["plan"], options["check"]
        summary: dict[str, Any] = {"migrated": 0, "up_to_date": 0, "behind": 0, "failed": [], "check": check}

        replay_allowed = not (
            plan
            or check
            or options["fake"]
            or options["fake_initial"]
            or options["executor"]
            or not migration_settings.TENANT_MIGRATION_REPLAY
        )
        batch_size = migration_settings.TENANT_MIGRATION_BATCH_SIZE

        def work_items(phase: str, names: list[str], parallel: bool) -> tuple[list[WorkItem], int] | None:
            """Schemas behind, as work items (replay batches first), and how many; ``None``: not replaying."""
            missing = schemas_missing(names, snapshot, using) if replay_allowed and parallel else None
            if missing is None:
                return None
            groups: dict[frozenset[Any] | None, list[str]] = {}
            for name, keys in missing:
                groups.setdefault(keys, []).append(name)
            batches: list[WorkItem] = []
            singles: list[WorkItem] = list(groups.pop(None, []))
            for keys, members in groups.items():
                assert keys is not None
                prepared = prepare_replay(snapshot, keys, members[0], using)
                if isinstance(prepared, str):
                    reporter.message(f"{phase}: {len(members)} schema(s) run the migration executor: {prepared}.")
                    singles.extend(members)
                    continue
                reporter.message(f"{phase}: replaying the SQL of {len(keys)} migration(s) in {len(members)} schema(s).")
                batches.extend((members[i : i + batch_size], prepared) for i in range(0, len(members), batch_size))
            return batches + singles, len(missing)

        def run(phase: str, names: list[str], parallel: bool) -> None:
            prepared = None if check else work_items(phase, names, parallel)
            if prepared is None:
                behind = schemas_behind(names, snapshot, using)
                items: list[WorkItem] = [name for name, _ in behind]
                count = len(behind)
            else:
                items, count = prepared
            summary["up_to_date"] += len(names) - count
            summary["behind"] += count
            if check:
                reporter.phase(phase, 0, len(names) - count)
                for name, missing in behind:
                    described = "all" if missing < 0 else str(missing)
                    reporter.message(f"{name}: {described} migration(s) not applied")
                return
            reporter.phase(phase, count, len(names) - count)

            def work(item: WorkItem) -> list[SchemaOutcome]:
                if isinstance(item, tuple):
                    return replay_batch(item[0], item[1], using=using)
                return [
                    migrate_schema(
                        item,
                        snapshot,
                        using=using,
                        fake=options["fake"],
                        fake_initial=options["fake_initial"],
                        plan_only=plan,
                    )
                ]

            def done(outcomes: list[SchemaOutcome]) -> None:
                for outcome in outcomes:
                    if outcome.error:
                        summary["failed"].append({"schema": outcome.schema_name, "error": outcome.error})
                    elif outcome.migrations and not plan:
                        summary["migrated"] += 1
                    reporter.schema(outcome, plan=plan)

            run_parallel(items, work, jobs if parallel else 1, done, using)

        excluded = set(options["excludes"])
        if (
            not options["tenants"]
            and public not in excluded
            and (not options["schemas"] or public in options["schemas"])
        ):
            run("public", [public], parallel=False)
            if summary["failed"]:
                summary["failed"][0]["error"] += " (tenant schemas were not migrated)"
                return summary
        if options["shared"]:
            return summary
        template = tenant_settings.TENANT_TEMPLATE_SCHEMA_NAME
        names = [template] if migration_settings.TENANT_USE_TEMPLATE else []
        names += tenant_schema_names(using)
        if options["schemas"]:
            unknown = sorted(set(options["schemas"]) - set(names) - {public})
            if unknown:
                raise CommandError(
                    f"No tenant has schema {', '.join(map(repr, unknown))}: check the name with "
                    "the tenant list, or create the tenant first."
                )
            names = [name for name in names if name in options["schemas"]]
        names = [name for name in names if name not in excluded]
        seen = set(names)
        run("tenants", names, parallel=True)
        if not (plan or check or options["schemas"]):
            # Tenants created while this run was going may have cloned a template
            # that was still behind; they are picked up here, once.
            late = [name for name in tenant_schema_names(using) if name not in seen and name not in excluded]
            if late:
                run("new tenants", late, parallel=True)
            template_failed = any(f["schema"] == template for f in summary["failed"])
            spares = migration_settings.TENANT_USE_TEMPLATE and migration_settings.TENANT_SPARE_SCHEMAS > 0
            if spares and template not in excluded:
                if template_failed:
                    reporter.message("spare schemas: not refreshed, the template failed to migrate.")
                else:
                    dropped, made = refresh_spare_schemas(snapshot, using)
                    reporter.message(f"spare schemas: {dropped} behind dropped, {made} made from the template.")
        return summary
