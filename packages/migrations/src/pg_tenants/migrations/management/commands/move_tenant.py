"""``move_tenant <schema_name> <node>``: move a tenant's distributed schema to another Citus node."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.migrations.citus import (
    NOT_CITUS,
    CitusError,
    Move,
    MoveProgress,
    citus_state,
    move_tenant_schema,
    plan_move,
    watch_move,
)
from pg_tenants.migrations.lifecycle import TenantOperationError, get_tenant


def describe(move: Move) -> str:
    """``acme (10 tables, 12.3 MB) from host:9701 to host:9702``."""
    size = f"{move.size_bytes / 1_000_000:.1f} MB"
    return f"{move.schema_name} ({move.tables} tables, {size}) from {move.source} to {move.target}"


class Command(BaseCommand):
    help = (
        "Move a tenant's schema, all its tables together, to another Citus node (citus_schema_move). "
        "The tenant keeps working meanwhile; with --mode block_writes its writes wait until the copy is done."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schema_name", help="The tenant's schema.")
        parser.add_argument("node", help="The node to move it to: host:port as tenant_placement lists them.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would move, where from and how big.")
        parser.add_argument(
            "--mode",
            default="auto",
            choices=["auto", "force_logical", "block_writes"],
            help="Citus' shard_transfer_mode (default auto: logical replication, writes go on).",
        )
        parser.add_argument(
            "--progress-interval", type=float, default=1.0, help="Seconds between progress lines (default 1)."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def _progress(self, reading: MoveProgress) -> None:
        copied, total = reading.copied_bytes / 1_000_000, reading.source_bytes / 1_000_000
        self.stdout.write(f"  copied {copied:.1f} of {total:.1f} MB ({reading.percent}%)")

    def handle(self, *args: Any, **options: Any) -> None:
        schema, using = options["schema_name"], options["database"]
        if not citus_state(using).version:
            raise CommandError(NOT_CITUS)
        try:
            get_tenant(schema, using)
            move = plan_move(schema, options["node"], using)
            if not move.needed:
                self.stdout.write(f"{schema} is on {move.target} already; nothing to move.")
                return
            if options["dry_run"]:
                self.stdout.write(f"Would move {describe(move)}.")
                return
            if not options["verbosity"]:
                done = move_tenant_schema(schema, options["node"], transfer_mode=options["mode"], using=using)
            else:
                self.stdout.write(f"Moving {describe(move)}...")
                with watch_move(schema, self._progress, interval=options["progress_interval"], using=using):
                    done = move_tenant_schema(schema, options["node"], transfer_mode=options["mode"], using=using)
        except (CitusError, TenantOperationError) as exc:
            raise CommandError(str(exc)) from None
        if options["verbosity"]:
            self.stdout.write(f"Moved {schema} to {done.target} in {done.seconds:.2f} s.")
