"""``tenant_placement``: which Citus node holds each tenant, and how big it is."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.migrations.citus import NOT_CITUS, CitusError, citus_state, distribute_tenant_schemas, tenant_placements
from pg_tenants.migrations.runner import tenant_schema_names


class Command(BaseCommand):
    help = (
        "List every tenant with the Citus node that holds its schema, its size and its distributed tables. "
        "--distribute first makes the tenant schemas made before Citus (regular schemas) distributed ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", action="append", default=[], help="Only this tenant (repeatable).")
        parser.add_argument("--format", choices=["table", "json"], default="table")
        parser.add_argument(
            "--distribute", action="store_true", help="Distribute tenant schemas that are regular schemas."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        if not citus_state(using).version:
            raise CommandError(NOT_CITUS)
        names = tenant_schema_names(using)
        if options["schema"]:
            unknown = sorted(set(options["schema"]) - set(names))
            if unknown:
                raise CommandError(f"No tenant has schema {', '.join(map(repr, unknown))}.")
            names = [name for name in names if name in options["schema"]]
        if options["distribute"]:
            try:
                done = distribute_tenant_schemas(names, using)
            except CitusError as exc:
                raise CommandError(str(exc)) from None
            self.stderr.write(f"Distributed {len(done)} schema(s){': ' + ', '.join(done) if done else ''}.")
        placed = {p.schema_name: p for p in tenant_placements(names, using)}
        if options["format"] == "json":
            rows = [
                {
                    "schema": name,
                    "node": placed[name].node if name in placed else None,
                    "distributed": name in placed,
                    "tables": placed[name].tables if name in placed else 0,
                    "size_bytes": placed[name].size_bytes if name in placed else 0,
                }
                for name in names
            ]
            self.stdout.write(json.dumps(rows, indent=2))
            return
        width = max([len("schema"), *map(len, names)])
        self.stdout.write(f"{'schema':<{width}}  {'node':<21}  {'tables':>6}  {'size':>10}")
        for name in names:
            place = placed.get(name)
            if place is None:
                node, tables, size = "(not distributed)", 0, 0
            else:
                node, tables, size = place.node or "(no tables)", place.tables, place.size_bytes
            self.stdout.write(f"{name:<{width}}  {node:<21}  {tables:>6}  {size / 1_000_000:>7.1f} MB")
        self.stdout.write(f"{len(names)} tenant(s).")
