"""migrate_schemas and provisioning: django-pg-tenants against django-tenants 4.0.1, same machine, same run.

    python bench/migrations/run.py            # about 5 minutes on 2 cores
    python bench/migrations/run.py --small    # 20 / 100 tenants, a smoke run

Needs PostgreSQL at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; databases
bench_mig_ours and bench_mig_djt are dropped and created) and uv. django-tenants is installed in its
own venv (/tmp/bench-dt), never into ours. Writes bench/results/migrations.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OURS_PY = os.environ.get("BENCH_OURS_PYTHON", sys.executable)
DJT_VENV = Path(os.environ.get("BENCH_DJT_VENV", "/tmp/bench-dt"))
DJT_PY = str(DJT_VENV / "bin" / "python")
SERVER = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]


def ensure_djt_venv() -> None:
    if Path(DJT_PY).exists():
        return
    uv = os.environ.get("UV", "uv")
    subprocess.run([uv, "venv", "-q", "-p", "3.11", str(DJT_VENV)], check=True)
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", DJT_PY, "django-tenants==4.0.1", "django~=5.2.0", "psycopg2-binary"],
        check=True,
    )


def recreate(db: str) -> None:
    for sql in (f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", f"CREATE DATABASE {db}"):
        subprocess.run(["psql", f"{SERVER}/postgres", "-qc", sql], check=True, capture_output=True)


def run(project: str, args: list[str], version: int, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """One process: wall seconds, peak RSS (MiB) and its output."""
    env = dict(os.environ)
    env.update(
        BENCH_DATABASE_URL=f"{SERVER}/bench_mig_{project}",
        BENCH_SHOP_VERSION=str(version),
        PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]),
        DJANGO_SETTINGS_MODULE=f"{project}_settings",
    )
    env.update(extra_env or {})
    python = OURS_PY if project == "ours" else DJT_PY
    started = time.perf_counter()
    proc = subprocess.Popen([python, *args], cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"{project} {' '.join(args)} failed:\n{output[-3000:]}")
    return {"seconds": round(seconds, 3), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "output": output}


def manage(project: str, *args: str, version: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    return run(project, ["-m", "django", *args, "--skip-checks"], version, env)


def task(project: str, *args: str, version: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    return run(project, ["tasks.py", project, *args], version, env)


def creation(project: str, count: int, prefix: str, version: int, env: dict[str, str] | None = None) -> float:
    out = task(project, "create", str(count), prefix, version=version, env=env)["output"]
    times = json.loads(out.strip().splitlines()[-1])["times"]
    return round(statistics.median(times) * 1000, 1)


def bench_ours(small: int, large: int, jobs: int) -> dict[str, Any]:
    recreate("bench_mig_ours")
    manage("ours", "migrate_schemas", "--format", "plain", version=1)
    result: dict[str, Any] = {"create_tenant_median_ms": creation("ours", 30, "c", 1)}
    # Sign-ups with TENANT_SPARE_SCHEMAS = 3: each takes a ready-made copy of the template (a rename)
    # and the background refill it starts runs between sign-ups, untimed (see tasks.create).
    spares = {"BENCH_SPARES": "3"}
    manage("ours", "spare_schemas", "--fill", version=1, env=spares)
    result["create_tenant_spare_median_ms"] = creation("ours", 30, "p", 1, env=spares)
    manage("ours", "spare_schemas", "--drop", version=1, env=spares)
    task("ours", "fill", str(small), version=1)
    noop = [manage("ours", "migrate_schemas", "--format", "plain", "--jobs", str(jobs), version=1) for _ in range(2)]
    result[f"noop_{small}"] = {"seconds": min(r["seconds"] for r in noop), "peak_rss_mib": noop[0]["peak_rss_mib"]}
    add = manage("ours", "migrate_schemas", "--format", "plain", "--jobs", str(jobs), version=2)
    result[f"addfield_{small}"] = {"seconds": add["seconds"], "peak_rss_mib": add["peak_rss_mib"]}
    task("ours", "fill", str(large), version=2)
    noop = [manage("ours", "migrate_schemas", "--format", "plain", "--jobs", str(jobs), version=2) for _ in range(2)]
    result[f"noop_{large}"] = {"seconds": min(r["seconds"] for r in noop), "peak_rss_mib": noop[0]["peak_rss_mib"]}
    add = manage("ours", "migrate_schemas", "--format", "plain", "--jobs", str(jobs), version=3)
    result[f"addfield_{large}"] = {"seconds": add["seconds"], "peak_rss_mib": add["peak_rss_mib"]}
    result["addfield_output_tail"] = add["output"].strip().splitlines()[-1]
    return result


def bench_djt(small: int) -> dict[str, Any]:
    ensure_djt_venv()
    recreate("bench_mig_djt")
    manage("djt", "migrate_schemas", "--shared", version=1)
    result: dict[str, Any] = {"create_tenant_migrating_median_ms": creation("djt", 5, "m", 1)}
    task("djt", "create", "1", "dt_template", version=1)  # a migrated tenant, the clone source
    result["create_tenant_cloning_median_ms"] = creation(
        "djt", 5, "k", 1, env={"BENCH_DJT_CLONE": "1", "BENCH_DJT_TEMPLATE": "dt_template0000"}
    )
    task("djt", "fill", str(small), version=1)
    noop = manage("djt", "migrate_schemas", "--tenant", version=1)
    result[f"noop_{small}"] = {"seconds": noop["seconds"], "peak_rss_mib": noop["peak_rss_mib"]}
    add = manage("djt", "migrate_schemas", "--tenant", version=2)
    result[f"addfield_{small}"] = {"seconds": add["seconds"], "peak_rss_mib": add["peak_rss_mib"]}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="20 and 100 tenants instead of 100 and 1,000")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-djt", action="store_true")
    options = parser.parse_args()
    small, large = (20, 100) if options.small else (100, 1000)
    ours = bench_ours(small, large, options.jobs)
    print("ours:", json.dumps(ours, indent=1), flush=True)
    djt = {} if options.skip_djt else bench_djt(small)
    print("django-tenants:", json.dumps(djt, indent=1), flush=True)
    ratios: dict[str, float] = {}
    if djt:
        ratios["create_vs_djt_migrating"] = round(
            djt["create_tenant_migrating_median_ms"] / ours["create_tenant_median_ms"], 1
        )
        ratios["create_vs_djt_cloning"] = round(
            djt["create_tenant_cloning_median_ms"] / ours["create_tenant_median_ms"], 1
        )
        ratios["create_with_spares_vs_djt_cloning"] = round(
            djt["create_tenant_cloning_median_ms"] / ours["create_tenant_spare_median_ms"], 1
        )
        for key in (f"noop_{small}", f"addfield_{small}"):
            ratios[key] = round(djt[key]["seconds"] / ours[key]["seconds"], 1)
        per_tenant = djt[f"noop_{small}"]["seconds"] / small
        djt[f"noop_{large}_extrapolated_seconds"] = round(per_tenant * large, 1)
        ratios[f"noop_{large}_vs_djt_extrapolated"] = round(per_tenant * large / ours[f"noop_{large}"]["seconds"], 1)
    memory_growth = ours[f"noop_{large}"]["peak_rss_mib"] / ours[f"noop_{small}"]["peak_rss_mib"] - 1
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_at_end": os.getloadavg()},
        "tenants": [small, large],
        "jobs": options.jobs,
        "ours": ours,
        "django_tenants_4_0_1": djt,
        "ratios_djt_over_ours": ratios,
        "noop_peak_rss_growth_pct": round(memory_growth * 100, 1),
        "targets": {
            f"noop_{large}_under_5s": ours[f"noop_{large}"]["seconds"] < 5,
            f"addfield_{large}_under_10s": ours[f"addfield_{large}"]["seconds"] < 10,
            "create_median_under_50ms_with_spares": ours["create_tenant_spare_median_ms"] < 50,
            "create_median_under_50ms_cloning": ours["create_tenant_median_ms"] < 50,
            "memory_flat_within_10pct": abs(memory_growth) <= 0.10,
        },
    }
    out = ROOT / "bench" / "results" / ("migrations-small.json" if options.small else "migrations.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("ratios (django-tenants / ours):", json.dumps(ratios), flush=True)
    print("wrote", out)


if __name__ == "__main__":
    main()
