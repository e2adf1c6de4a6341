"""Run the benchmarks and render docs/benchmarks.md.

    python bench/run.py            # full: 10 s x 3 rounds per scenario, scale curve to 10,000 tenants
    python bench/run.py --quick    # smoke run, about two minutes
    python bench/run.py --only report    # re-render the page from bench/results/*.json
    python bench/run.py --only pgbouncer # transaction mode behind PgBouncer (bench/pooling.py)

Results are kept per PostgreSQL major version (``request_path-pg18.json``,
``pgbouncer-pg15.json``, ...): run once per server, with ``DATABASE_URL`` pointing at
it, and the page shows every version found.

Needs PostgreSQL (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/postgres``),
``wrk`` on the PATH and ``uv`` (the three projects get their own venvs in bench/.venvs/).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import pooling  # noqa: E402
import report  # noqa: E402
import request_path  # noqa: E402
import scale  # noqa: E402

PARTS = ("request", "statements", "inprocess", "pgbouncer", "scale", "migrations", "report")


def git_state() -> dict[str, object]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=harness.REPO, capture_output=True, text=True).stdout.strip()

    import hashlib

    # Other work may edit packages/ (installed editable) while a run goes on: a digest of the
    # uncommitted diff at the start of each part tells runs of the same code apart.
    snapshot = harness.PACKAGES.parent / ".bench-commit"
    if harness.PACKAGES != harness.REPO / "packages" and snapshot.exists():
        # A snapshot of committed packages/ (BENCH_PACKAGES): what was measured is that commit.
        return {"commit": snapshot.read_text().strip(), "dirty": False, "packages": str(harness.PACKAGES)}
    diff = git("diff", "HEAD", "--", "packages")
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "packages")),
        "packages_diff_sha": hashlib.sha256(diff.encode()).hexdigest()[:12] if diff else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs and a small scale curve (a smoke test)")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts (repeatable)")
    parser.add_argument("--rounds", type=int, help="A/B/C rounds per scenario (default 3; quick 1)")
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 10; quick 3)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (default 4)")
    parser.add_argument("--servers", help="only these servers, comma-separated (gunicorn,uvicorn); others kept")
    parser.add_argument("--scale-steps", help="comma-separated tenant counts (default 10,100,1000,10000)")
    args = parser.parse_args(argv)

    parts = set(args.only or PARTS)
    rounds = args.rounds or (1 if args.quick else 3)
    duration = args.duration or (3.0 if args.quick else 10.0)
    warmup = 1.0 if args.quick else 3.0
    steps = [int(s) for s in (args.scale_steps or ("10,100" if args.quick else "10,100,1000,10000")).split(",")]

    if parts - {"report"}:
        if shutil.which("wrk") is None:
            parser.error("wrk is not on the PATH: apt-get install wrk (or brew install wrk).")
        for project in harness.PROJECTS:
            harness.ensure_venv(project)

    major = harness.server_major() if parts - {"report"} else 0
    if parts & {"request", "statements", "inprocess"}:
        started = time.monotonic()
        name = harness.results_name("request_path", major)
        previous = report.load(name) or {}
        result = {
            "kind": "request_path",
            "quick": args.quick,
            "machine": harness.machine(),
            "git": git_state(),
            "versions": {p.name: harness.installed_versions(p) for p in harness.PROJECTS},
            "settings": {
                "rounds": rounds,
                "duration_s": duration,
                "warmup_s": warmup,
                "wrk_connections": args.connections,
                "wrk_threads": 1,
                "workers": 2,
                "tenants": request_path.TENANTS,
            },
            "setup": request_path.setup_databases(),
            "scenarios": previous.get("scenarios", []),
            "statements": previous.get("statements", []),
            "inprocess": previous.get("inprocess", {}),
        }
        if "statements" in parts:
            result["statements"] = request_path.statements()
        if "inprocess" in parts:
            result["inprocess"] = request_path.inprocess(quick=args.quick)
        if "request" in parts:
            kinds = tuple(args.servers.split(",")) if args.servers else request_path.SERVERS
            fresh = request_path.throughput(
                rounds=rounds, duration=duration, warmup=warmup, connections=args.connections, kinds=kinds
            )
            kept = [s for s in result["scenarios"] if s["server"] not in kinds]
            result["scenarios"] = sorted(kept + fresh, key=lambda s: request_path.SERVERS.index(s["server"]))
        result["elapsed_s"] = time.monotonic() - started
        harness.write_json(harness.RESULTS / name, result)

    if "pgbouncer" in parts:
        if pooling.pgbouncer_binary() is None:
            harness.log("pgbouncer: not installed (apt-get install pgbouncer), skipped")
        else:
            started = time.monotonic()
            name = harness.results_name("pgbouncer", major)
            if not parts & {"request", "statements", "inprocess"}:
                request_path.setup_databases()  # else done above, in this run
            result = {
                "kind": "pgbouncer",
                "quick": args.quick,
                "machine": harness.machine(),
                "git": git_state(),
                "pgbouncer": pooling.pgbouncer_version(),
                "settings": {
                    "rounds": rounds,
                    "duration_s": duration,
                    "warmup_s": warmup,
                    "wrk_connections": args.connections,
                    "wrk_threads": 1,
                    "workers": 2,
                    "pool_size": 4,
                },
                "variants": {v.key: v.label for v in pooling.VARIANTS},
                "statements": pooling.statements(),
                "scenarios": pooling.throughput(
                    rounds=rounds, duration=duration, warmup=warmup, connections=args.connections
                ),
            }
            result["elapsed_s"] = time.monotonic() - started
            harness.write_json(harness.RESULTS / name, result)

    if "scale" in parts:
        started = time.monotonic()
        points = scale.scale_curve(
            steps, duration=duration, warmup=warmup, rounds=1 if args.quick else 2, connections=args.connections
        )
        harness.write_json(
            harness.RESULTS / "scale.json",
            {
                "kind": "scale",
                "quick": args.quick,
                "machine": harness.machine(),
                "git": git_state(),
                "versions": harness.installed_versions(harness.OURS),
                "settings": {"duration_s": duration, "warmup_s": warmup, "wrk_connections": args.connections},
                "points": points,
                "elapsed_s": time.monotonic() - started,
            },
        )

    if "migrations" in parts and (harness.BENCH / "migrations" / "run.py").exists():
        # migrate_schemas and provisioning (bench/migrations/, its own runner and JSON).
        harness.log("migrations: bench/migrations/run.py")
        env = dict(os.environ, BENCH_OURS_PYTHON=str(harness.OURS.python))
        command = [sys.executable, str(harness.BENCH / "migrations" / "run.py")] + (["--small"] if args.quick else [])
        subprocess.run(command, env=env, cwd=harness.REPO, check=True)

    report.render()
    harness.log(f"wrote {report.PAGE.relative_to(harness.REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
