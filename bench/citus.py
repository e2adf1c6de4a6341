"""Citus schema-based sharding next to plain PostgreSQL, in one run.

    CITUS_DATABASE_URL=postgres://postgres@127.0.0.1:9700/postgres hatch run bench:citus
    CITUS_DATABASE_URL=... hatch run bench:citus --tenants 10 --requests 300 --move-mb 10

For each server (``DATABASE_URL``, default the machine's PostgreSQL, and the
Citus coordinator of ``CITUS_DATABASE_URL``) a child process with the sandbox
project measures:

- tenant creation, median per path: a claimed spare schema, a template clone,
  and running every migration (``TENANT_USE_TEMPLATE = False``), and on Citus
  whether every table of every tenant made is a distributed table;
- a request (``GET /notes/`` of a tenant with 20 notes, Django's test client,
  in process), median; on Citus the tenant is first moved to a worker, so each
  query goes through the coordinator to the node that holds it;
- on Citus, moving a tenant of about ``--move-mb`` MB to another node, with
  ``block_writes`` and with logical replication (``auto``).

Plain PostgreSQL gets a fresh database ``bench_citus_plain``; the Citus run
uses its database as it is (its tenants are named ``bc_*`` and removed after).
Results go to ``bench/results/citus.json`` and a table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

REPO = harness.REPO
RESULTS = REPO / "bench" / "results" / "citus.json"
PREFIX = "bc_"


# -- the child: one server -----------------------------------------------------------------


def measure(label: str, tenants: int, requests: int, move_mb: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test import override_settings

    from pg_tenants.core import tenant_context
    from pg_tenants.migrations.citus import (
        citus_sharding,
        move_tenant_schema,
        shard_nodes,
        tenant_placements,
        unplaceable_schemas,
    )
    from pg_tenants.migrations.lifecycle import delete_tenant
    from pg_tenants.migrations.runner import tenant_schema_names
    from pg_tenants.migrations.spares import drop_spare_schemas, refill_spare_schemas
    from sandbox.customers.models import Client
    from sandbox.notes.models import Note

    def cleanup() -> None:
        for name in tenant_schema_names():
            if name.startswith(PREFIX):
                delete_tenant(name)
        drop_spare_schemas()

    call_command("migrate_schemas", verbosity=0)
    cleanup()
    citus = citus_sharding()
    result: dict[str, Any] = {"label": label, "citus": citus, "server": connection.pg_version}
    made: list[str] = []

    def create_all(path: str, count: int) -> list[float]:
        times = []
        for i in range(count):
            name = f"{PREFIX}{path}{i}"
            started = time.perf_counter()
            Client.objects.create(schema_name=name)
            times.append((time.perf_counter() - started) * 1000)
            made.append(name)
        return times

    creation: dict[str, Any] = {}
    with override_settings(TENANT_SPARE_SCHEMAS=tenants, TENANT_SPARE_REFILL="manual"):
        refill_spare_schemas()
        creation["spare"] = create_all("spare", tenants)
    with override_settings(TENANT_SPARE_SCHEMAS=0):
        drop_spare_schemas()
        creation["clone"] = create_all("clone", tenants)
        with override_settings(TENANT_USE_TEMPLATE=False):
            creation["migrate"] = create_all("migrate", max(2, tenants // 4))
    result["creation_ms"] = {path: round(statistics.median(times), 2) for path, times in creation.items()}
    result["creation_runs"] = {path: len(times) for path, times in creation.items()}
    if citus:
        result["not_placeable"] = unplaceable_schemas(made)

    with override_settings(TENANT_SPARE_SCHEMAS=0):
        tenant = Client.objects.create(schema_name=f"{PREFIX}req")
    with tenant_context(tenant):
        Note.objects.bulk_create(Note(title=f"note {i}") for i in range(20))
    if citus:
        (place,) = tenant_placements([tenant.schema_name])
        workers = [str(n) for n in shard_nodes() if not n.coordinator]
        if place.node not in workers and workers:
            move_tenant_schema(tenant.schema_name, workers[0], transfer_mode="block_writes")
        (place,) = tenant_placements([tenant.schema_name])
        result["request_node"] = place.node
    client = HttpClient(HTTP_HOST=f"{tenant.slug}.tenants.test")
    for _ in range(50):
        assert client.get("/notes/").status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/notes/")
        times.append((time.perf_counter() - started) * 1_000_000)
    assert len(response.json()["notes"]) == 20
    result["request_us"] = round(statistics.median(times), 1)

    if citus:
        big = Client.objects.create(schema_name=f"{PREFIX}big")
        with tenant_context(big), connection.cursor() as cursor:
            # Titles of 190 characters: about 4,300 rows (with the primary key's index) per MB.
            rows = move_mb * 4300
            cursor.execute("INSERT INTO notes_note (title) SELECT repeat('x', 190) FROM generate_series(1, %s)", [rows])
        (place,) = tenant_placements([big.schema_name])
        nodes = [str(n) for n in shard_nodes()]
        other = next(n for n in nodes if n != place.node)
        moves = {}
        for mode, target in (("block_writes", other), ("auto", place.node)):
            done = move_tenant_schema(big.schema_name, target, transfer_mode=mode)
            moves[mode] = {"seconds": done.seconds, "from": done.source, "to": done.target}
        result["move"] = {"size_mb": round(place.size_bytes / 1_000_000, 1), "modes": moves}
        with tenant_context(big):
            assert Note.objects.count() == rows

    cleanup()
    return result


# -- the parent: both servers, the table ---------------------------------------------------


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()


def plain_database() -> str:
    """A fresh ``bench_citus_plain`` on the plain server (``DATABASE_URL``, as the other benchmarks); its URL."""
    harness.recreate_database("bench_citus_plain")
    return urlunsplit(urlsplit(harness.database_url())._replace(path="/bench_citus_plain"))


def run_child(label: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="sandbox.settings", PYTHONPATH=str(REPO))
    command = [
        sys.executable,
        __file__,
        "--child",
        label,
        f"--tenants={args.tenants}",
        f"--requests={args.requests}",
        f"--move-mb={args.move_mb}",
    ]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {label} run failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds of each number a child measured."""
    summary: dict[str, Any] = {
        "creation_ms": {
            path: round(statistics.median(run["creation_ms"][path] for run in runs), 2)
            for path in ("spare", "clone", "migrate")
        },
        "request_us": round(statistics.median(run["request_us"] for run in runs), 1),
    }
    if "move" in runs[0]:
        summary["move_mb"] = runs[0]["move"]["size_mb"]
        summary["move_s"] = {
            mode: round(statistics.median(run["move"]["modes"][mode]["seconds"] for run in runs), 3)
            for mode in runs[0]["move"]["modes"]
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=20, help="tenants per creation path (default 20)")
    parser.add_argument("--requests", type=int, default=500, help="timed requests per server (default 500)")
    parser.add_argument("--move-mb", type=int, default=10, help="size of the moved tenant in MB (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server, alternated (default 3)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.tenants, args.requests, args.move_mb)))
        return 0
    citus_url = os.environ.get("CITUS_DATABASE_URL")
    if not citus_url:
        parser.error("CITUS_DATABASE_URL is not set: give the URL of a Citus coordinator (docs/guides/citus.md).")
    plain_url = plain_database()
    rounds: dict[str, list[dict[str, Any]]] = {"plain": [], "citus": []}
    for number in range(args.rounds):  # alternated, so both servers see the same machine
        order = ("plain", "citus") if number % 2 == 0 else ("citus", "plain")
        for label in order:
            rounds[label].append(run_child(label, plain_url if label == "plain" else citus_url, args))
    if not rounds["citus"][0]["citus"]:
        raise SystemExit("CITUS_DATABASE_URL is not a Citus coordinator with schema-based sharding on.")
    plain, citus = (summarize(rounds[label]) for label in ("plain", "citus"))

    print(f"medians of {args.rounds} round(s), alternated")
    print(f"{'':<28}{'plain PostgreSQL':>18}{'Citus':>12}{'ratio':>8}")
    for path in ("spare", "clone", "migrate"):
        a, b = plain["creation_ms"][path], citus["creation_ms"][path]
        print(f"{'create, ' + path + ' (ms)':<28}{a:>18.1f}{b:>12.1f}{b / a:>7.2f}x")
    a, b = plain["request_us"], citus["request_us"]
    print(f"{'GET /notes/ (µs)':<28}{a:>18.0f}{b:>12.0f}{b / a:>7.2f}x   (tenant on a worker)")
    for mode, seconds in citus["move_s"].items():
        print(f"move {citus['move_mb']} MB tenant, {mode}: {seconds:.2f} s")
    stuck = sorted({name for one in rounds["citus"] for name in one["not_placeable"]})
    print(f"tenants Citus cannot move: {', '.join(stuck) if stuck else 'none'}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "packages")),
        "settings": {
            "rounds": args.rounds,
            "tenants": args.tenants,
            "requests": args.requests,
            "move_mb": args.move_mb,
        },
        "medians": {"plain": plain, "citus": citus},
        "rounds": rounds,
    }
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
