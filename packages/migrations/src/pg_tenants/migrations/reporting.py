"""How ``migrate_schemas`` tells what it is doing: a progress bar, plain lines, or JSON lines.

* ``bar`` (default on a terminal): one line redrawn in place, failures printed as they happen;
* ``plain`` (default otherwise, e.g. CI logs): one line per migrated or failed schema;
* ``json``: one JSON object per line (``event`` = ``phase`` / ``schema`` / ``message`` /
  ``summary``) for deploy pipelines; the last line is the summary.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from .runner import SchemaOutcome


@dataclass(slots=True)
class SchemaFailure:
    """A schema a run could not migrate, and why."""

    schema: str
    error: str


@dataclass(slots=True)
class RunSummary:
    """What a ``migrate_schemas`` run did: the last thing it reports, and what decides its exit status."""

    #: The run only checked (``--check``); ``behind`` is then what it found.
    check: bool = False
    #: Schemas that had migrations applied.
    migrated: int = 0
    #: Schemas that had nothing to apply.
    up_to_date: int = 0
    #: Schemas that lacked some migration when the run looked.
    behind: int = 0
    failed: list[SchemaFailure] = field(default_factory=list)
    #: Wall-clock time of the run, waiting for the lock included.
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data (``failed`` as ``{"schema", "error"}`` objects), as ``--format json`` prints it."""
        return asdict(self)


def _names(migrations: list[tuple[str, str]]) -> list[str]:
    return [f"{app}.{name}" for app, name in migrations]


class Reporter:
    """Plain lines; the base of the other formats."""

    def __init__(self, stream: TextIO, verbosity: int = 1) -> None:
        self.stream = stream
        self.verbosity = verbosity
        self.phase_name = ""
        self.total = 0
        self.done = 0
        self.started = time.monotonic()

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """A free-form notice (waiting for the lock, nothing to do, ...)."""
        if self.verbosity:
            self._write(text)

    def phase(self, name: str, total: int, skipped: int = 0, target: str | None = None) -> None:
        """A group of schemas starts: ``total`` to migrate, ``skipped`` already up to date.

        With a ``target``, ``total`` schemas are each looked at by the executor,
        which finds out itself which of them are there already.
        """
        self.phase_name, self.total, self.done = name, total, 0
        if not self.verbosity:
            return
        if target is None:
            self._write(f"{name}: {total} schema(s) to migrate, {skipped} up to date.")
        else:
            self._write(f"{name}: {total} schema(s) to bring to {target}, each with the migration executor.")

    def schema(self, outcome: SchemaOutcome, plan: bool = False) -> None:
        """One schema finished (or was planned)."""
        self.done += 1
        if not self.verbosity:
            return
        prefix = f"[{self.done}/{self.total}] {outcome.schema_name}"
        if outcome.error:
            self._write(f"{prefix}: FAILED: {outcome.error}")
        elif plan:
            verb = "would unapply" if outcome.backwards else "would apply"
            self._write(f"{prefix}: {verb} {', '.join(_names(outcome.migrations)) or 'nothing'}")
        elif outcome.migrations or self.verbosity > 1:
            verb = "unapplied" if outcome.backwards else "applied"
            self._write(f"{prefix}: {verb} {len(outcome.migrations)} migration(s) in {outcome.seconds:.2f}s")
            if self.verbosity > 1:
                for name in _names(outcome.migrations):
                    self._write(f"    {name}")

    def summary(self, summary: RunSummary) -> None:
        """The run finished."""
        if not self.verbosity and not summary.failed:
            return
        self._write(
            f"Done in {summary.seconds:.1f}s: {summary.migrated} migrated, {summary.up_to_date} up to date, "
            f"{len(summary.failed)} failed."
        )
        for failure in summary.failed:
            self._write(f"  {failure.schema}: {failure.error}")


class BarReporter(Reporter):
    """A progress bar redrawn in place on a terminal."""

    width = 30

    def phase(self, name: str, total: int, skipped: int = 0, target: str | None = None) -> None:
        super().phase(name, total, skipped, target)

    def schema(self, outcome: SchemaOutcome, plan: bool = False) -> None:
        if outcome.error or plan or self.verbosity > 1:
            self.stream.write("\r\033[K")
            super().schema(outcome, plan)
        else:
            self.done += 1
        if not self.verbosity or not self.total:
            return
        filled = int(self.width * self.done / self.total)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r{self.phase_name} [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} {elapsed:.0f}s"
        )
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


class JsonReporter(Reporter):
    """One JSON object per line."""

    def _event(self, **data: Any) -> None:
        self._write(json.dumps(data, sort_keys=True))

    def message(self, text: str) -> None:
        self._event(event="message", message=text)

    def phase(self, name: str, total: int, skipped: int = 0, target: str | None = None) -> None:
        self.phase_name, self.total, self.done = name, total, 0
        self._event(event="phase", phase=name, to_migrate=total, up_to_date=skipped, target=target)

    def schema(self, outcome: SchemaOutcome, plan: bool = False) -> None:
        self.done += 1
        self._event(
            event="schema",
            schema=outcome.schema_name,
            status="failed" if outcome.error else ("planned" if plan else "migrated"),
            migrations=_names(outcome.migrations),
            backwards=outcome.backwards,
            error=outcome.error,
            seconds=round(outcome.seconds, 4),
        )

    def summary(self, summary: RunSummary) -> None:
        self._event(event="summary", **summary.as_dict())


def make_reporter(fmt: str, stream: TextIO, verbosity: int) -> Reporter:
    """``fmt`` is ``"auto"``, ``"bar"``, ``"plain"`` or ``"json"``; auto picks the bar on a terminal."""
    if fmt == "json":
        return JsonReporter(stream, verbosity)
    if fmt == "auto":
        isatty = getattr(stream, "isatty", None)
        fmt = "bar" if callable(isatty) and isatty() else "plain"
    if fmt == "bar":
        return BarReporter(stream, verbosity)
    return Reporter(stream, verbosity)
