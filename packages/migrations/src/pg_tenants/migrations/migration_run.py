"""One ``migrate_schemas`` run: public first, then the template and the tenants, then late tenants and spares.

:class:`MigrationRun` holds the advisory lock (:mod:`.lock`) for the whole
run, builds the migration graph once, removes rows of migrations that never ran
(:mod:`.records`), asks which schemas are behind, sends them to the replay path
(:mod:`.replay`) or Django's executor (:mod:`.runner`) on ``jobs`` threads, and
tells a :class:`~.reporting.Reporter` as it goes. It returns a
:class:`~.reporting.RunSummary`; turning that into an exit status is the
command's business, so the run can be driven from code too.

With a target (``migrate_schemas APP MIGRATION``, :mod:`.targets`) the fast
paths are off, since both assume "bring every schema to the leaves": every
schema of the sides that migrate the app goes to the executor, which plans
its way to the target, forwards or backwards, and finds out itself when there
is nothing to do. The template is then pinned there (:mod:`.pinning`) and the
spares, copies of the template as it was, are all made again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS

from pg_tenants.core.conf import tenant_settings

from .citus import citus_sharding, ensure_reference_tables
from .conf import migration_settings
from .graph import Key, MigrationGraphSnapshot, load_graph
from .lock import migration_lock
from .pinning import pin_template, unpin_template
from .records import find_false_records, remove_records
from .replay import ReplayPlan, prepare_replay, replay_batch
from .reporting import Reporter, RunSummary, SchemaFailure
from .runner import SchemaOutcome, migrate_schema, run_parallel, schemas_behind, schemas_missing, tenant_schema_names
from .spares import refresh_spare_schemas
from .targets import InvalidTarget, MigrationTarget, resolve_target, target_sides

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
    #: The target's app label (``migrate_schemas APP``); ``None``: every app to its latest migration.
    app_label: str | None = None
    #: The target migration (a unique prefix, or ``"zero"``); ``None`` with an app label: the app's latest.
    migration_name: str | None = None

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
        self.target: MigrationTarget | None = None
        #: Per schema of the current phase, the apps whose rows :mod:`.records` found false.
        self._forgotten: dict[str, frozenset[str]] = {}

    def execute(self) -> RunSummary:
        """Take the lock, migrate, and return the summary.

        Raises :class:`~.lock.MigrationLockBusy` when another run holds the lock
        and ``wait`` is off, :class:`MigrationRunError` for a ``--schema`` no
        tenant has or a target that names no migration or no schema to migrate.
        A schema that fails to migrate raises nothing: it is in the summary's
        ``failed``.
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
        in_public, in_tenants = self._resolve_target()
        if self.options.selects_public:
            if in_public:
                self._phase("public", [tenant_settings.PUBLIC_SCHEMA_NAME], parallel=False)
            else:
                self.reporter.message(f"public: {self._not_migrated('the public schema', 'SHARED_APPS')}")
            if self.summary.failed:
                self.summary.failed[0].error += " (tenant schemas were not migrated)"
                return
        self._citus_reference_tables()
        if self.options.shared_only:
            return
        if not in_tenants:
            self.reporter.message(f"tenants: {self._not_migrated('tenant schemas', 'TENANT_APPS')}")
            return
        names = self._tenant_schemas()
        self._phase("tenants", names, parallel=True)
        if not (self.options.changes_nothing or self.options.schemas):
            self._pin_template(names)
            self._late_tenants(set(names))
            self._refresh_spares()

    def _resolve_target(self) -> tuple[bool, bool]:
        """Check the target, if any; return whether public and the tenant schemas migrate its app."""
        options = self.options
        if options.app_label is None:
            return True, True
        try:
            self.target = resolve_target(self.snapshot, options.app_label, options.migration_name)
            return target_sides(self.target, self.snapshot, options.using, options.shared_only, options.tenants_only)
        except InvalidTarget as exc:
            raise MigrationRunError(str(exc)) from None

    def _not_migrated(self, where: str, setting: str) -> str:
        return f"{self.options.app_label} is not migrated in {where} (it is not in {setting}); skipped."

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

    def _template_failed(self) -> bool:
        template = migration_settings.TENANT_TEMPLATE_SCHEMA_NAME
        return any(failure.schema == template for failure in self.summary.failed)

    def _pin_template(self, names: list[str]) -> None:
        # A target leaves the template where new tenants must start; a run to the leaves frees it.
        if migration_settings.TENANT_TEMPLATE_SCHEMA_NAME not in names or self._template_failed():
            return
        if self.target is not None:
            pin_template(str(self.target), self.options.using)
            self.reporter.message(
                f"template: pinned at {self.target}: new tenants start there until migrate_schemas runs "
                "without a target."
            )
        elif (pinned := unpin_template(self.options.using)) is not None:
            self.reporter.message(f"template: no longer pinned at {pinned}.")

    def _refresh_spares(self) -> None:
        template = migration_settings.TENANT_TEMPLATE_SCHEMA_NAME
        wanted = migration_settings.TENANT_USE_TEMPLATE and migration_settings.TENANT_SPARE_SCHEMAS > 0
        if not wanted or template in self.options.excludes:
            return
        if self._template_failed():
            self.reporter.message("spare schemas: not refreshed, the template failed to migrate.")
            return
        moved = self.target is not None
        dropped, made = refresh_spare_schemas(self.snapshot, self.options.using, drop_all=moved)
        why = f"made before the template moved to {self.target}" if moved else "behind"
        self.reporter.message(f"spare schemas: {dropped} {why} dropped, {made} made from the template.")

    def _citus_reference_tables(self) -> None:
        """On Citus, the shared tables that tenant tables reference become reference tables (see :mod:`.citus`)."""
        using = self.options.using
        if self.options.changes_nothing or not citus_sharding(using):
            return
        converted = ensure_reference_tables(using)
        if converted:
            names = ", ".join(converted)
            self.reporter.message(f"citus: {len(converted)} shared table(s) made reference tables: {names}.")

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
        if not migration_settings.TENANT_MIGRATION_REPLAY or options.changes_nothing or forced_executor:
            return False
        # Citus turns only top-level CREATE TABLE into tenant tables; a replay runs inside a function.
        return not citus_sharding(options.using)

    def _phase(self, phase: str, names: list[str], *, parallel: bool) -> None:
        self._forgotten = self._repair(phase, names)
        jobs = self.options.jobs if parallel else 1
        if self.target is not None:
            # every schema to the executor: the one-query skip and the replay only know the leaves
            self.reporter.phase(phase, len(names), target=str(self.target))
            run_parallel(names, self._work, jobs, self._done, self.options.using)
            return
        if self.options.check:
            self._check(phase, names)
            return
        items, behind = self._work_items(phase, names, parallel)
        if self.options.plan:  # rows that would be removed: those schemas have a plan too
            extra: list[WorkItem] = [name for name in self._forgotten if name not in items]
            items, behind = items + extra, behind + len(extra)
        self._count(len(names), behind)
        self.reporter.phase(phase, behind, len(names) - behind)
        run_parallel(items, self._work, jobs, self._done, self.options.using)

    def _repair(self, phase: str, names: list[str]) -> dict[str, frozenset[str]]:
        """Find rows of migrations that never ran in these schemas; remove them unless the run changes nothing."""
        found = find_false_records(names, self.snapshot, self.options.using)
        if not found:
            return {}
        if not self.options.changes_nothing:
            for name, labels in found.items():
                remove_records(name, labels, self.options.using)
        apps = ", ".join(sorted({label for app_labels in found.values() for label in app_labels}))
        then = "would be removed and the migrations run" if self.options.changes_nothing else "removed, migrating"
        self.reporter.message(
            f"{phase}: {apps} recorded as applied in {len(found)} schema(s) without any of its tables "
            f"(the router skipped those migrations there): rows {then}."
        )
        if self.reporter.verbosity > 1:
            for name, app_labels in found.items():
                self.reporter.message(f"    {name}: {', '.join(app_labels)}")
        return {name: frozenset(app_labels) for name, app_labels in found.items()}

    def _count(self, total: int, behind: int) -> None:
        self.summary.up_to_date += total - behind
        self.summary.behind += behind

    def _check(self, phase: str, names: list[str]) -> None:
        behind = schemas_behind(names, self.snapshot, self.options.using)
        lacking = {name for name, _ in behind}
        false_only = [name for name in self._forgotten if name not in lacking]
        self._count(len(names), len(behind) + len(false_only))
        self.reporter.phase(phase, 0, len(names) - len(behind) - len(false_only))
        for name, missing in behind:
            described = "all" if missing < 0 else str(missing)
            self.reporter.message(f"{name}: {described} migration(s) not applied")
        for name in false_only:
            self.reporter.message(f"{name}: {', '.join(sorted(self._forgotten[name]))} recorded but never migrated")

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
            plan_only=options.changes_nothing,
            targets=None if self.target is None else self.target.keys,
            forget_apps=self._forgotten.get(item, frozenset()) if options.changes_nothing else frozenset(),
        )
        return [outcome]

    def _done(self, outcomes: list[SchemaOutcome]) -> None:
        """Runs on the calling thread, so the summary needs no lock."""
        for outcome in outcomes:
            if self.target is not None:  # with a target, only the executor knew who was behind
                self._count(1, 1 if outcome.migrations or outcome.error else 0)
            if outcome.error:
                self.summary.failed.append(SchemaFailure(outcome.schema_name, outcome.error))
            elif outcome.migrations and not self.options.changes_nothing:
                self.summary.migrated += 1
            if self.options.check:
                if outcome.migrations:
                    what = "to unapply" if outcome.backwards else "not applied"
                    self.reporter.message(f"{outcome.schema_name}: {len(outcome.migrations)} migration(s) {what}")
            else:
                self.reporter.schema(outcome, plan=self.options.plan)
