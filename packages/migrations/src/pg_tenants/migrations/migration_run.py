"""One ``migrate_schemas`` run: public first, then the template and the tenants, then late tenants and spares.

:class:`MigrationRun` holds the advisory lock (:mod:`.lock`) for the whole
run, builds the migration graph once, asks which schemas are behind, sends
them to the replay path (:mod:`.replay`) or Django's executor (:mod:`.runner`)
on ``jobs`` threads, and tells a :class:`~.reporting.Reporter` as it goes. It
returns a :class:`~.reporting.RunSummary`; turning that into an exit status is
the command's business, so the run can be driven from code too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS

from pg_tenants.core.conf import tenant_settings

from .conf import migration_settings
from .graph import Key, MigrationGraphSnapshot, load_graph
from .lock import migration_lock
from .replay import ReplayPlan, prepare_replay, replay_batch
from .reporting import Reporter, RunSummary, SchemaFailure
from .runner import SchemaOutcome, migrate_schema, run_parallel, schemas_behind, schemas_missing, tenant_schema_names
from .spares import refresh_spare_schemas

#: A unit of work: one schema for the executor, or a batch of schemas and the plan they replay.
WorkItem = str | tuple[list[str], ReplayPlan]


class MigrationRunError(Exception):
    """A run that cannot go on; the message names the cause and the fix."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What to migrate and how; the command-line options of ``migrate_schemas``."""

    using: str = DEFAULT_DB_ALIAS
    #: Only the public schema (``--shared``).
    shared_only: bool = False
    #: Only the template and tenant schemas (``--tenants``).
    tenants_only: bool = False
    #: Only these schemas (``--schema``); empty: all.
    schemas: frozenset[str] = frozenset()
    #: Never these schemas (``--exclude``).
    excludes: frozenset[str] = frozenset()
    jobs: int = 2
    plan: bool = False
    check: bool = False
    fake: bool = False
    fake_initial: bool = False
    #: Run Django's executor in every schema, never replay (``--executor``).
    executor: bool = False
    #: Wait for another run's lock instead of refusing (no ``--no-wait``).
    wait: bool = True

    @property
    def changes_nothing(self) -> bool:
        """``--plan`` or ``--check``: the run only reads."""
        return self.plan or self.check

    @property
    def selects_public(self) -> bool:
        """Whether the public schema is part of this run."""
        public = tenant_settings.PUBLIC_SCHEMA_NAME
        return not self.tenants_only and public not in self.excludes and (not self.schemas or public in self.schemas)


class MigrationRun:
    """One run over the public schema, the template and the tenants; :meth:`execute` does it."""

    def __init__(self, options: RunOptions, reporter: Reporter) -> None:
        self.options = options
        self.reporter = reporter
        self.summary = RunSummary(check=options.check)
        self._snapshot: MigrationGraphSnapshot | None = None

    def execute(self) -> RunSummary:
        """Take the lock, migrate, and return the summary.

        Raises :class:`~.lock.MigrationLockBusy` when another run holds the lock
        and ``wait`` is off, :class:`MigrationRunError` for a ``--schema`` no
        tenant has. A schema that fails to migrate raises nothing: it is in
        the summary's ``failed``.
        """
        started = time.monotonic()
        with migration_lock(self.options.using, wait=self.options.wait, on_wait=self._waiting):
            self._migrate()
        self.summary.seconds = round(time.monotonic() - started, 3)
        return self.summary

    # -- the phases -----------------------------------------------------------------

    def _waiting(self, holder: int | None) -> None:
        who = f" (PostgreSQL backend pid {holder})" if holder else ""
        self.reporter.message(f"Another migrate_schemas is running{who}; waiting for it to finish...")

    def _migrate(self) -> None:
        self._snapshot = load_graph(refresh=True)
        if self.options.selects_public:
            self._phase("public", [tenant_settings.PUBLIC_SCHEMA_NAME], parallel=False)
            if self.summary.failed:
                self.summary.failed[0].error += " (tenant schemas were not migrated)"
                return
        if self.options.shared_only:
            return
        names = self._tenant_schemas()
        self._phase("tenants", names, parallel=True)
        if not (self.options.changes_nothing or self.options.schemas):
            self._late_tenants(set(names))
            self._refresh_spares()

    def _tenant_schemas(self) -> list[str]:
        """The template (when used) and every tenant schema, as ``--schema`` / ``--exclude`` filter them."""
        names = [migration_settings.TENANT_TEMPLATE_SCHEMA_NAME] if migration_settings.TENANT_USE_TEMPLATE else []
        names += tenant_schema_names(self.options.using)
        wanted = self.options.schemas
        if wanted:
            unknown = sorted(wanted - set(names) - {tenant_settings.PUBLIC_SCHEMA_NAME})
            if unknown:
                raise MigrationRunError(
                    f"No tenant has schema {', '.join(map(repr, unknown))}: check the name with "
                    "the tenant list, or create the tenant first."
                )
            names = [name for name in names if name in wanted]
        return [name for name in names if name not in self.options.excludes]

    def _late_tenants(self, seen: set[str]) -> None:
        # Tenants created while this run was going may have cloned a template
        # that was still behind; they are picked up here, once.
        late = [
            name
            for name in tenant_schema_names(self.options.using)
            if name not in seen and name not in self.options.excludes
        ]
        if late:
            self._phase("new tenants", late, parallel=True)

    def _refresh_spares(self) -> None:
        template = migration_settings.TENANT_TEMPLATE_SCHEMA_NAME
        wanted = migration_settings.TENANT_USE_TEMPLATE and migration_settings.TENANT_SPARE_SCHEMAS > 0
        if not wanted or template in self.options.excludes:
            return
        if any(failure.schema == template for failure in self.summary.failed):
            self.reporter.message("spare schemas: not refreshed, the template failed to migrate.")
            return
        dropped, made = refresh_spare_schemas(self.snapshot, self.options.using)
        self.reporter.message(f"spare schemas: {dropped} behind dropped, {made} made from the template.")

    # -- one phase --------------------------------------------------------------------

    @property
    def snapshot(self) -> MigrationGraphSnapshot:
        """The migration graph this run loaded."""
        assert self._snapshot is not None, "the graph is loaded when the run starts"
        return self._snapshot

    @property
    def replays(self) -> bool:
        """Whether plans that allow it are replayed as SQL (never for a plan, a check or a fake)."""
        options = self.options
        forced_executor = options.fake or options.fake_initial or options.executor
        return migration_settings.TENANT_MIGRATION_REPLAY and not (options.changes_nothing or forced_executor)

    def _phase(self, phase: str, names: list[str], *, parallel: bool) -> None:
        if self.options.check:
            self._check(phase, names)
            return
        items, behind = self._work_items(phase, names, parallel)
        self._count(len(names), behind)
        self.reporter.phase(phase, behind, len(names) - behind)
        run_parallel(items, self._work, self.options.jobs if parallel else 1, self._done, self.options.using)

    def _count(self, total: int, behind: int) -> None:
        self.summary.up_to_date += total - behind
        self.summary.behind += behind

    def _check(self, phase: str, names: list[str]) -> None:
        behind = schemas_behind(names, self.snapshot, self.options.using)
        self._count(len(names), len(behind))
        self.reporter.phase(phase, 0, len(names) - len(behind))
        for name, missing in behind:
            described = "all" if missing < 0 else str(missing)
            self.reporter.message(f"{name}: {described} migration(s) not applied")

    def _work_items(self, phase: str, names: list[str], parallel: bool) -> tuple[list[WorkItem], int]:
        """The schemas that are behind as work items (replay batches first), and how many schemas that is."""
        using = self.options.using
        missing = schemas_missing(names, self.snapshot, using) if self.replays and parallel else None
        if missing is None:  # not replaying, or the replay functions are not installed yet
            behind = schemas_behind(names, self.snapshot, using)
            return [name for name, _ in behind], len(behind)
        return self._replay_items(phase, missing), len(missing)

    def _replay_items(self, phase: str, missing: list[tuple[str, frozenset[Key] | None]]) -> list[WorkItem]:
        """Schemas lacking the same migrations share one plan, replayed in batches where it allows."""
        groups: dict[frozenset[Key] | None, list[str]] = {}
        for name, keys in missing:
            groups.setdefault(keys, []).append(name)
        singles: list[WorkItem] = list(groups.pop(None, []))  # no history: the executor starts them
        batches: list[WorkItem] = []
        size = max(1, migration_settings.TENANT_MIGRATION_BATCH_SIZE)
        for keys, members in groups.items():
            assert keys is not None
            prepared = prepare_replay(self.snapshot, keys, members[0], self.options.using)
            if isinstance(prepared, str):
                self.reporter.message(f"{phase}: {len(members)} schema(s) run the migration executor: {prepared}.")
                singles.extend(members)
                continue
            what = f"{len(keys)} migration(s) in {len(members)} schema(s)"
            self.reporter.message(f"{phase}: replaying the SQL of {what}.")
            batches.extend((members[i : i + size], prepared) for i in range(0, len(members), size))
        return batches + singles

    def _work(self, item: WorkItem) -> list[SchemaOutcome]:
        """Runs on a worker thread; never raises (failures are in the outcomes)."""
        options = self.options
        if isinstance(item, tuple):
            return replay_batch(item[0], item[1], using=options.using)
        outcome = migrate_schema(
            item,
            self.snapshot,
            using=options.using,
            fake=options.fake,
            fake_initial=options.fake_initial,
            plan_only=options.plan,
        )
        return [outcome]

    def _done(self, outcomes: list[SchemaOutcome]) -> None:
        """Runs on the calling thread, so the summary needs no lock."""
        for outcome in outcomes:
            if outcome.error:
                self.summary.failed.append(SchemaFailure(outcome.schema_name, outcome.error))
            elif outcome.migrations and not self.options.plan:
                self.summary.migrated += 1
            self.reporter.schema(outcome, plan=self.options.plan)
