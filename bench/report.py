"""Render bench/results/*.json into docs/benchmarks.md and docs/images/bench-*.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
PAGE = REPO / "docs" / "benchmarks.md"
IMAGES = REPO / "docs" / "images"
FINDINGS = BENCH / "findings.md"

LABELS = {"plain": "plain Django", "djt": "django-tenants", "ours": "django-pg-tenants"}
COLOURS = {"plain": "#9e9e9e", "djt": "#e07b39", "ours": "#2f6db5"}
ORDER = ("plain", "djt", "ours")
TARGET_RATIO = 0.95


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / name
    if not path.exists():
        return None
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _scenario_name(s: dict[str, Any]) -> str:
    connections = {
        "persistent": "persistent connections",
        "pooled": "psycopg pool",
        "per_request": "CONN_MAX_AGE = 0",
    }.get(s["connections"], s["connections"])
    server = "gunicorn (WSGI)" if s["server"] == "gunicorn" else "uvicorn (ASGI)"
    return f"{server}, {connections}"


# -- plots -------------------------------------------------------------------------


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_request_path(data: dict[str, Any]) -> list[str]:
    plt = _plt()
    scenarios = data["scenarios"]
    if not scenarios:
        return []
    names = [_scenario_name(s).replace(", ", "\n") for s in scenarios]
    width = 0.26
    written = []

    fig, ax = plt.subplots(figsize=(9, 4.2))
    for offset, project in enumerate(ORDER):
        xs = [i + (offset - 1) * width for i in range(len(scenarios))]
        ys = [s["median"][project]["rps"] for s in scenarios]
        bars = ax.bar(xs, ys, width, label=LABELS[project], color=COLOURS[project])
        for bar, scenario in zip(bars, scenarios, strict=True):
            ratio = scenario["ratio_to_plain"][project]
            ax.annotate(
                f"{ratio:.2f}×",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    ax.set_xticks(range(len(scenarios)), names, fontsize=8)
    ax.set_ylabel("requests per second (median)")
    ax.set_title("One-query tenant view: throughput (labels: ratio to plain Django)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMAGES / "bench-throughput.png", dpi=110)
    plt.close(fig)
    written.append("bench-throughput.png")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=False)
    for ax, key, title in ((axes[0], "p50_ms", "p50 latency"), (axes[1], "p99_ms", "p99 latency")):
        for offset, project in enumerate(ORDER):
            xs = [i + (offset - 1) * width for i in range(len(scenarios))]
            ax.bar(
                xs, [s["median"][project][key] for s in scenarios], width, label=LABELS[project], color=COLOURS[project]
            )
        ax.set_xticks(range(len(scenarios)), names, fontsize=7)
        ax.set_ylabel("milliseconds (median of rounds)")
        ax.set_title(title)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMAGES / "bench-latency.png", dpi=110)
    plt.close(fig)
    written.append("bench-latency.png")
    return written


def plot_scale(data: dict[str, Any]) -> list[str]:
    plt = _plt()
    points = data["points"]
    xs = [p["tenants"] for p in points]
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, style in (("one_tenant", "-"), ("random_tenant", "--")):
        for key, marker in (("p50_ms", "o"), ("p99_ms", "s")):
            ax.plot(
                xs, [p[label][key] for p in points], style, marker=marker, label=f"{key[:3]}, {label.replace('_', ' ')}"
            )
    ax.set_xscale("log")
    ax.set_xlabel("tenants")
    ax.set_ylabel("latency, ms")
    ax.set_title("django-pg-tenants request latency by number of tenants")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(IMAGES / "bench-scale.png", dpi=110)
    plt.close(fig)
    return ["bench-scale.png"]


# -- markdown -------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def paired_ratio(scenario: dict[str, Any], project: str) -> float:
    """Median over rounds of this project's req/s over plain Django's in the same round.

    Runs in one round are seconds apart, so slow drift in the machine's load
    cancels out of each pair; the ratio of medians does not have that property.
    """
    import statistics

    plain = {run["round"]: run["rps"] for run in scenario["runs"]["plain"]}
    ratios = [run["rps"] / plain[run["round"]] for run in scenario["runs"][project] if run["round"] in plain]
    return float(statistics.median(ratios))


def _verdict(ratio: float, paired: float) -> str:
    if min(ratio, paired) >= TARGET_RATIO:
        return "met"
    if max(ratio, paired) >= TARGET_RATIO:
        return (
            f"**not shown**: {min(ratio, paired):.2f}× by one estimate, {max(ratio, paired):.2f}× by the other "
            "(noise; see the findings)"
        )
    return f"**missed by {TARGET_RATIO - max(ratio, paired):.2f}**"


def _targets(data: dict[str, Any]) -> str:
    rows = []
    for s in data["scenarios"]:
        ratio = s["ratio_to_plain"]["ours"]
        paired = paired_ratio(s, "ours")
        rows.append(
            [
                f"throughput ≥ {TARGET_RATIO:.2f}× plain, {_scenario_name(s)}",
                f"{ratio:.2f}× (paired by round {paired:.2f}×; django-tenants {s['ratio_to_plain']['djt']:.2f}×, "
                f"paired {paired_ratio(s, 'djt'):.2f}×)",
                _verdict(ratio, paired),
            ]
        )
    warm = [s for s in data["statements"] if s["project"] == "ours" and s["situation"] == "same tenant"]
    if warm:
        n = warm[0]["statements_per_request"]
        rows.append(
            ["statements per request, warm path = the view's own (1)", f"{n:g}", "met" if n == 1 else "**missed**"]
        )
    return _table(["target", "measured", ""], rows)


def _request_tables(data: dict[str, Any]) -> str:
    out = []
    for s in data["scenarios"]:
        rows = []
        for project in ORDER:
            m = s["median"][project]
            rows.append(
                [
                    LABELS[project],
                    f"{m['rps']:,.0f}",
                    f"{s['ratio_to_plain'][project]:.2f}×",
                    f"{paired_ratio(s, project):.2f}×",
                    f"{m['p50_ms']:.2f}",
                    f"{m['p99_ms']:.2f}",
                    str(s["errors"][project]),
                ]
            )
        out.append(
            f"**{_scenario_name(s)}** — django-pg-tenants / django-tenants: {s['ours_vs_djt']:.2f}×\n\n"
            + _table(["", "req/s", "× plain", "× plain, paired", "p50 ms", "p99 ms", "errors"], rows)
        )
    return "\n\n".join(out)


def _statement_table(data: dict[str, Any]) -> str:
    situations = list(dict.fromkeys(s["situation"] for s in data["statements"]))
    by = {(s["project"], s["situation"]): s for s in data["statements"]}
    rows = [
        [LABELS[p]] + [f"{by[(p, sit)]['statements_per_request']:g}" for sit in situations]
        for p in ORDER
        if (p, situations[0]) in by
    ]
    table = _table(["statements per request"] + situations, rows)
    detail = []
    for p in ORDER:
        for sit in situations:
            s = by.get((p, sit))
            if s:
                sql = "\n".join(f"    {line}" for line in s["last_request"]) or "    (none)"
                detail.append(f"- {LABELS[p]}, {sit}:\n\n{sql}\n")
    return table + "\n\nWhat the server received for the last counted request:\n\n" + "\n".join(detail)


def _inprocess_section(data: dict[str, Any]) -> str:
    inproc = data.get("inprocess") or {}
    if not inproc:
        return "Not run yet: `python bench/run.py --only inprocess`."
    wall, cpu = inproc["median_us"], inproc.get("cpu_median_us", {})
    rows = []
    for p in ORDER:
        rows.append(
            [
                LABELS[p],
                f"{wall[p]:.0f}",
                f"{wall[p] - wall['plain']:+.0f}",
                f"{cpu[p]:.0f}" if p in cpu else "–",
                f"{cpu[p] - cpu['plain']:+.0f}" if p in cpu else "–",
                f"{cpu['plain'] / cpu[p]:.2f}×" if p in cpu else "–",
            ]
        )
    return (
        "The WSGI application of each project called directly (no server, no HTTP, no wrk), 2,000 requests "
        "per batch, median of batches and of alternated rounds (`bench/projects/common/inprocess.py`). CPU time "
        "is the Django process's own: it leaves out PostgreSQL's share and most of the noise from other work "
        "on the machine, so it isolates what each library adds to a request.\n\n"
        + _table(
            ["", "µs per request (wall)", "vs plain", "CPU µs per request", "vs plain", "plain CPU / this CPU"], rows
        )
    )


def _scale_section(data: dict[str, Any] | None) -> str:
    if data is None:
        return "Not run yet: `python bench/run.py --only scale`."
    rows = []
    for p in data["points"]:
        setup = p["setup"]
        made = f"{setup['created']} in {setup['seconds']:.1f} s"
        if setup.get("sql_copied"):
            made += f" ({setup['sql_copied']} copied with SQL)"
        rows.append(
            [
                f"{p['tenants']:,}",
                made,
                f"{p['one_tenant']['rps']:,.0f}",
                f"{p['one_tenant']['p50_ms']:.2f}",
                f"{p['one_tenant']['p99_ms']:.2f}",
                f"{p['random_tenant']['rps']:,.0f}",
                f"{p['random_tenant']['p50_ms']:.2f}",
                f"{p['random_tenant']['p99_ms']:.2f}",
            ]
        )
    method = data["points"][0]["setup"].get("provision_method", "?") if data["points"] else "?"
    return (
        _table(
            [
                "tenants",
                "tenants created (this step)",
                "one tenant req/s",
                "p50 ms",
                "p99 ms",
                "random tenant req/s",
                "p50 ms",
                "p99 ms",
            ],
            rows,
        )
        + f"\n\nTenants were created with `Client.save()` ({method}). "
        "*One tenant*: every request to `t1` (the warm path). *Random tenant*: each request to a tenant drawn "
        "at random among all of them, so most requests switch the connection's `search_path` and, at 1,000 "
        "tenants and more, many miss the per-process tenant cache (each miss is one look-up query).\n\n"
        "![scale](images/bench-scale.png)"
    )


def _migrations_tables(data: dict[str, Any]) -> str:
    """The shape bench/migrations/run.py writes: ``ours`` / ``django_tenants_*`` dicts of timings."""
    import re

    ours = data.get("ours") or {}
    djt_key = next((k for k in data if k.startswith("django_tenants") and data[k]), None)
    djt = data.get(djt_key) or {} if djt_key else {}
    out = []
    rows = []
    if "create_tenant_spare_median_ms" in ours:
        rows.append(
            [
                "django-pg-tenants, spare schema (`TENANT_SPARE_SCHEMAS`)",
                f"{ours['create_tenant_spare_median_ms']:,.0f}",
            ]
        )
    if "create_tenant_median_ms" in ours:
        rows.append(["django-pg-tenants, cloning the template", f"{ours['create_tenant_median_ms']:,.0f}"])
    for key, label in (
        ("create_tenant_migrating_median_ms", "django-tenants, running migrations"),
        ("create_tenant_cloning_median_ms", "django-tenants, clone_tenant"),
    ):
        if key in djt:
            rows.append([label, f"{djt[key]:,.0f}"])
    if rows:
        out.append("**Creating a tenant** (median)\n\n" + _table(["", "ms per tenant"], rows))
    runs: dict[tuple[str, int], dict[str, str]] = {}
    for side, values in (("ours", ours), ("djt", djt)):
        for key, value in values.items():
            match = re.fullmatch(r"(noop|addfield)_(\d+)(_extrapolated_seconds)?", key)
            if not match:
                continue
            kind, tenants, extrapolated = match.group(1), int(match.group(2)), match.group(3)
            seconds = value if extrapolated else value.get("seconds") if isinstance(value, dict) else None
            if seconds is None:
                continue
            text = f"{seconds:,.1f}" + (" (extrapolated)" if extrapolated else "")
            if isinstance(value, dict) and "peak_rss_mib" in value:
                text += f", {value['peak_rss_mib']:.0f} MiB"
            runs.setdefault((kind, tenants), {})[side] = text
    if runs:
        names = {"noop": "nothing to apply", "addfield": "one AddField"}
        rows = [
            [names[kind], f"{tenants:,}", cells.get("ours", "–"), cells.get("djt", "–")]
            for (kind, tenants), cells in sorted(runs.items(), key=lambda item: (item[0][1], item[0][0]))
        ]
        out.append(
            "**migrate_schemas** (wall seconds, peak RSS)\n\n"
            + _table(["migration", "tenants", "django-pg-tenants", "django-tenants"], rows)
        )
    if djt_key and djt_key != "django_tenants_4_0_1":
        out.append(f"django-tenants figures from `{djt_key}` in that file.")
    if isinstance(data.get("note"), str):
        out.append("Note from that run: " + data["note"])
    targets = data.get("targets")
    if isinstance(targets, dict) and targets:
        out.append(
            "Targets set for the migrations package: "
            + ", ".join(f"`{k}` {'met' if v else '**missed**'}" for k, v in targets.items())
            + "."
        )
    return "\n\n".join(out)


def _migrations_section(data: dict[str, Any] | None) -> str:
    if data is not None and isinstance(data.get("ours"), dict):
        return (
            "From `bench/results/migrations.json`, written by `bench/migrations/run.py` (same machine; see that "
            "file for its settings).\n\n" + _migrations_tables(data)
        )
    if data is None:
        return (
            "Provisioning and `migrate_schemas` timings come from `bench/migrations/` "
            "(`bench/results/migrations.json`), which has not been produced yet."
        )
    rows = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and len(value) <= 50:
            for index, item in enumerate(value):
                name = item.get("name") or item.get("label") or index if isinstance(item, dict) else index
                walk(f"{prefix}[{name}]", item)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            rows.append([f"`{prefix}`", f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"])

    walk("", {k: v for k, v in data.items() if k not in {"machine", "versions"}})
    return "From `bench/results/migrations.json` (written by `bench/migrations/`):\n\n" + _table(
        ["measurement", "value"], rows[:200]
    )


def _machine(data: dict[str, Any]) -> str:
    m = data["machine"]
    versions = data.get("versions", {})
    lines = [
        f"- Date: {m['date']}; git {data.get('git', {}).get('commit', '?')}"
        + (" (packages/ had uncommitted changes)" if data.get("git", {}).get("dirty") else ""),
        f"- Machine: {m['cpu']}, {m['cpus']} CPUs, {m['memory_gb']} GB, Linux {m['kernel']}",
        f"- PostgreSQL {m['postgresql']} on the same machine; Python {m['python']}; {m['wrk']}",
    ]
    for project in ORDER:
        if project in versions:
            pkgs = ", ".join(f"{k} {v}" for k, v in versions[project].items())
            lines.append(f"- {LABELS[project]} venv: {pkgs}")
    s = data["settings"]
    lines.append(
        f"- Load: wrk, {s['wrk_threads']} thread, {s['wrk_connections']} connections, {s['duration_s']:g} s per run, "
        f"{s['rounds']} round(s) per scenario after {s['warmup_s']:g} s of warm-up; "
        f"servers with {s['workers']} workers; "
        f"{s['tenants']} tenants; " + ("**quick (smoke) run**" if data.get("quick") else "full run")
    )
    return "\n".join(lines)


def render() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    request = load("request_path.json")
    scale = load("scale.json")
    migrations = load("migrations.json") or load("migrations-small.json")
    parts = [
        "# Benchmarks",
        "",
        "<!-- Generated by bench/report.py from bench/results/*.json; edit bench/findings.md for the prose. -->",
        "",
        "django-pg-tenants against plain Django (no tenancy: the limit) and django-tenants (from the package "
        "index), on the same machine in the same run. Rerun everything with `hatch run bench:all` "
        "(or `hatch run bench:quick` for a smoke run); see `bench/README.md`.",
        "",
    ]
    if request is None:
        parts.append("No request-path results yet: `python bench/run.py`.")
    else:
        plot_request_path(request)
        parts += [
            "## Targets",
            "",
            _targets(request),
            "",
        ]
        if FINDINGS.exists():
            parts += [FINDINGS.read_text().strip(), ""]
        parts += [
            "## Request path",
            "",
            "The same view (one `SELECT` from a tenant table, plain-text response) in three projects with the "
            "same tenants; the tenant is chosen by the `Host` header (a `Domain` row in both tenant libraries). "
            "The three projects are loaded in turn, the order rotated each round; figures are medians over rounds.",
            "",
            _request_tables(request),
            "",
            "![throughput](images/bench-throughput.png)",
            "",
            "![latency](images/bench-latency.png)",
            "",
            "### CPU per request, in-process",
            "",
            _inprocess_section(request),
            "",
            "### SQL statements per request",
            "",
            "Counted on the wire by a proxy between Django and PostgreSQL (`bench/pgproxy.py`): every simple "
            "query and every extended-protocol Execute the server receives, including `SET` statements a backend "
            "sends outside Django's query log. Gunicorn with one worker, after 10 warm-up requests.",
            "",
            _statement_table(request),
            "",
        ]
    if scale is not None and scale["points"]:
        plot_scale(scale)
    parts += ["## Scale curve", "", _scale_section(scale), ""]
    parts += ["## Provisioning and migrations", "", _migrations_section(migrations), ""]
    if request is not None:
        parts += ["## Machine and versions", "", _machine(request), ""]
    parts += [
        "## Method and caveats",
        "",
        "- Everything (PostgreSQL, the servers, wrk) shares one machine; wrk takes CPU from the servers, "
        "equally for all three projects. Other work on the machine adds noise: rounds are alternated so drift "
        "hits all three alike, and each run's 1-minute load average is kept in the JSON.",
        "- Each project runs in its own venv made with uv under `bench/.venvs/`; django-tenants is never a "
        "dependency of this repository's packages.",
        '- Our project uses library defaults (tenant cache TTL and size, `TENANT_CACHE_ALIAS = "default"` on '
        "Django's default local-memory cache).",
        "",
    ]
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text("\n".join(parts))


if __name__ == "__main__":
    render()
