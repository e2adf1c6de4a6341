"""Run Django's own test suite with ``ENGINE = "pg_tenants.core.backend"``.

    hatch run django-suite:run                          # every configuration, default labels
    hatch run django-suite:run --config transaction     # one configuration
    hatch run django-suite:run backends.postgresql --runtests="-v 2"   # labels, runtests.py's options

The backend claims to be a drop-in ENGINE: a project that never activates a
tenant must see exactly what django.db.backends.postgresql gives it. Django's
suite is the contract. Its tests are not on PyPI as a wheel, so the sdist of
the installed Django version is downloaded once and its ``tests/`` unpacked
under ``build/django-suite/`` (gitignored). Each configuration gets a settings
module written next to it, which can be reused by hand::

    cd build/django-suite/django-5.2.x/tests
    PYTHONPATH=../..:../../../../scripts python runtests.py --settings settings_default backends

The database is ``DATABASE_URL`` or, when unset, an embedded PostgreSQL
started for the run (``pg_tenants.core.testing.database``). Both aliases
Django's suite needs (``default``, ``other``) use the tenant backend.

Tests that cannot pass by design are listed in ``KNOWN_DIFFERENCES`` with the
reason; the runner skips them with that reason, so they are counted and named
in the output. ``--no-known`` runs them anyway, to check a reason still holds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import traceback
import unittest
from pathlib import Path
from typing import Any

from django.test.runner import DiscoverRunner
from django.test.utils import iter_test_cases

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "django-suite"

DEFAULT_LABELS = [
    "backends",
    "transactions",
    "transaction_hooks",
    "select_for_update",
    "queries",
    "basic",
    "test_utils",
    "postgres_tests",
    "schema",
    "introspection",
    "migrations",
]

#: The search-path configurations the backend supports, as settings.
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "default": {},
    "no-connect": {"TENANT_SEARCH_PATH_ON_CONNECT": False},
    # Without a pooler in front: the mode must be correct on a direct connection too.
    "transaction": {"TENANT_SEARCH_PATH_MODE": "transaction"},
}

#: Per configuration, what its DATABASES entries need besides the tenant settings.
DATABASE_OPTIONS: dict[str, dict[str, Any]] = {
    # What Django documents for transaction pooling: a WITH HOLD cursor outlives
    # its transaction, so the backend refuses .iterator() outside atomic() in this mode.
    "transaction": {"DISABLE_SERVER_SIDE_CURSORS": True},
}

#: Configurations in which the backend refuses CREATE DATABASE (it cannot run
#: inside the transaction that carries the search path), so this script creates
#: the empty test databases itself and runs runtests.py with --keepdb in one
#: process (clones are made with CREATE DATABASE too). Django still migrates them.
PRECREATED_DATABASES = {"transaction"}

#: Not one of ours: Django's own backend on the same server and labels, to tell
#: what the server or Django itself fails from what this backend does.
BASELINE = "postgresql"

#: Tests of Django's suite that cannot pass with this backend by design:
#: {configuration or "*": {test id: reason}}. Keep it short, and each reason true.
KNOWN_DIFFERENCES: dict[str, dict[str, str]] = {
    "transaction": {
        # The configuration sets DISABLE_SERVER_SIDE_CURSORS (DATABASE_OPTIONS); these
        # tests assert that .iterator() opens a server-side cursor.
        **dict.fromkeys(
            (
                f"backends.postgresql.test_server_side_cursors.ServerSideCursorsPostgres.{name}"
                for name in (
                    "test_server_side_binding",
                    "test_server_side_cursor",
                    "test_server_side_cursor_many_cursors",
                    "test_values",
                    "test_values_list",
                    "test_values_list_fields_not_equal_to_names",
                    "test_values_list_flat",
                )
            ),
            "transaction mode needs DISABLE_SERVER_SIDE_CURSORS = True, as Django documents for transaction pooling",
        ),
        # CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction, and in this
        # mode the path is only ever set inside one: the backend refuses rather than
        # resolve the index's table through whatever path the pooled session has.
        **dict.fromkeys(
            (
                "postgres_tests.test_operations.AddIndexConcurrentlyTests.test_add",
                "postgres_tests.test_operations.AddIndexConcurrentlyTests.test_add_other_index_type",
                "postgres_tests.test_operations.AddIndexConcurrentlyTests.test_add_with_options",
                "postgres_tests.test_operations.RemoveIndexConcurrentlyTests.test_remove",
            ),
            "transaction mode refuses statements that cannot run in a transaction (use a session-mode alias)",
        ),
    },
}


def known_differences(config: str) -> dict[str, str]:
    """The known differences that apply to ``config``."""
    return {**KNOWN_DIFFERENCES.get("*", {}), **KNOWN_DIFFERENCES.get(config, {})}


# -- in the runtests.py process: the test runner named by the settings ------------


class KnownDifferencesRunner(DiscoverRunner):
    """Django's runner that skips the known differences and writes its result as JSON."""

    def build_suite(self, *args: Any, **kwargs: Any) -> Any:
        from django.conf import settings

        suite = super().build_suite(*args, **kwargs)
        known = settings.PG_TENANTS_SUITE_KNOWN
        marked: set[tuple[type, str]] = set()
        for test in iter_test_cases(suite):
            reason = known.get(test.id())
            key = (type(test), getattr(test, "_testMethodName", ""))
            if reason is None or key in marked:
                continue
            # Patched on the class, like Django's own django_test_skips, so forked
            # parallel workers see it too.
            method = getattr(key[0], key[1])
            setattr(key[0], key[1], unittest.skip(f"pg_tenants known difference: {reason}")(method))
            marked.add(key)
        return suite

    def run_suite(self, suite: Any, **kwargs: Any) -> Any:
        from django.conf import settings

        result = super().run_suite(suite, **kwargs)
        summary = {
            "run": result.testsRun,
            "failures": [_outcome(test, err) for test, err in result.failures],
            "errors": [_outcome(test, err) for test, err in result.errors],
            "unexpected_successes": [str(test.id()) for test in result.unexpectedSuccesses],
            "skipped": len(result.skipped),
            "known": sorted(
                str(test.id()) for test, reason in result.skipped if reason.startswith("pg_tenants known difference")
            ),
            "expected_failures": len(result.expectedFailures),
        }
        Path(settings.PG_TENANTS_SUITE_RESULT).write_text(json.dumps(summary, indent=1))
        return result


def _outcome(test: Any, err: str) -> dict[str, str]:
    lines = str(err).splitlines()
    # The exception's own line; PostgreSQL's messages and assertion diffs go on below it.
    heads = [line for line in lines if re.match(r"[A-Za-z_][\w.]*(: |$)", line)]
    cause = heads[-1] if heads else next((line for line in reversed(lines) if line.strip()), "")
    return {"id": str(test.id()), "cause": cause.strip(), "traceback": str(err)}


# -- in this process: fetch the suite, write settings, run each configuration ---------


def django_tests_dir() -> Path:
    """``tests/`` of the installed Django version's sdist, downloaded and unpacked on first use."""
    import django

    version = django.__version__
    target = CACHE / f"django-{version}"
    tests = target / "tests"
    if (tests / "runtests.py").exists():
        return tests
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as download:
        print(f"Downloading Django {version}'s sdist for its test suite...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
            + ["--dest", download, f"django=={version}"],
            check=True,
        )
        (sdist,) = Path(download).glob("*.tar.gz")
        prefix = f"django-{version}/tests/"
        with tarfile.open(sdist) as archive:
            # Only tests/: runtests.py must import the installed Django, never the sdist's copy.
            members = [m for m in archive.getmembers() if m.name.lower().startswith(prefix.lower())]
            staging = Path(download) / "unpacked"
            archive.extractall(staging, members=members, filter="data")
        (unpacked,) = staging.iterdir()
        target.mkdir(parents=True, exist_ok=True)
        (unpacked / "tests").rename(tests)
    return tests


def databases(url: str, tag: str) -> dict[str, Any]:
    """``default`` and ``other`` on one server, each with its own test database."""
    from pg_tenants.core.testing.database import database_settings

    result = {}
    for alias in ("default", "other"):
        config = database_settings(url)
        config["TEST"] = {"NAME": f"test_{tag}_{alias}"}
        result[alias] = config
    return result


SETTINGS_TEMPLATE = '''"""Django's suite settings, configuration {config!r}; written by scripts/django_suite.py."""

DATABASES = {databases!r}
SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False
TEST_RUNNER = "django_suite.KnownDifferencesRunner"
PG_TENANTS_SUITE_KNOWN = {known!r}
PG_TENANTS_SUITE_RESULT = {result!r}
{tenant_settings}
'''


def write_settings(config: str, dbs: dict[str, Any], use_known: bool) -> tuple[str, Path]:
    """Write ``settings_<config>.py`` beside the suite; return its module name and result path."""
    module = "settings_" + config.replace("-", "_")
    result = CACHE / f"result_{module}.json"
    tenant_settings = "".join(f"{name} = {value!r}\n" for name, value in CONFIGURATIONS.get(config, {}).items())
    dbs = {alias: {**db, **DATABASE_OPTIONS.get(config, {})} for alias, db in dbs.items()}
    if config == BASELINE:
        dbs = {alias: {**db, "ENGINE": "django.db.backends.postgresql"} for alias, db in dbs.items()}
    text = SETTINGS_TEMPLATE.format(
        config=config,
        databases=dbs,
        known=known_differences(config) if use_known else {},
        result=str(result),
        tenant_settings=tenant_settings,
    )
    (CACHE / f"{module}.py").write_text(text)
    return module, result


def run(
    config: str, tests: Path, dbs: dict[str, Any], args: argparse.Namespace, extra: list[str], labels: list[str]
) -> dict[str, Any]:
    """Run runtests.py once on ``labels``; return the runner's summary (or a crash record)."""
    parallel = args.parallel
    if config in PRECREATED_DATABASES:
        create_test_databases(args.url, [db["TEST"]["NAME"] for db in dbs.values()])
        extra = ["--keepdb", *extra]
        parallel = 1
        print(f"{config}: test databases created by this script (see PRECREATED_DATABASES)", flush=True)
    module, result_path = write_settings(config, dbs, not args.no_known)
    result_path.unlink(missing_ok=True)
    env = dict(os.environ)
    paths = [str(CACHE), str(ROOT / "scripts"), env.get("PYTHONPATH", "")]
    if args.source:
        paths.insert(0, str(args.source))  # ahead of the editable install's path
    env["PYTHONPATH"] = os.pathsep.join(paths).rstrip(os.pathsep)
    command = [sys.executable, "runtests.py", "--settings", module, "--parallel", str(parallel), "--noinput"]
    command += extra + labels
    print(f"\n== {config}: {' '.join(command[1:])}", flush=True)
    tail = _stream(subprocess.Popen(command, cwd=tests, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    if not result_path.exists():
        return {"crashed": tail[0], "tail": tail[1]}
    summary: dict[str, Any] = json.loads(result_path.read_text())
    return summary


def core_source_at(rev: str) -> tuple[Path, str]:
    """``packages/core/src`` as committed in ``rev``, unpacked under the cache; and the commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = CACHE / f"core-{commit[:12]}"
    if not (target / "packages" / "core" / "src").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit, "packages/core/src"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "packages" / "core" / "src", commit


def tested_source() -> str:
    """The commit of the working tree, and whether the core has uncommitted changes."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "packages/core/src"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return f"working tree at {head[:12]}" + (" with uncommitted changes to packages/core/src" if dirty else "")


def failing_tests(results: dict[str, dict[str, Any]]) -> list[str]:
    """The test labels (``module.Class.method``) that failed in any configuration."""
    ids = {o["id"] for summary in results.values() for o in summary.get("failures", []) + summary.get("errors", [])}
    # A subtest's id carries its parameters after a space; a class set-up error is "setUpClass (module.Class)".
    return sorted({i.split(" ", 1)[0] for i in ids if re.fullmatch(r"[\w.]+\.test\w*", i.split(" ", 1)[0])})


def _stream(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    """Copy the process's output to ours as it comes; return its exit code and last lines."""
    assert process.stdout is not None
    kept = b""
    while chunk := os.read(process.stdout.fileno(), 65536):
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        kept = (kept + chunk)[-20000:]
    lines = kept.decode(errors="replace").splitlines()
    return process.wait(), "\n".join(lines[-12:])


def report(results: dict[str, dict[str, Any]], server: str) -> bool:
    """Print one block per configuration; True when every configuration passed.

    When the baseline ran too, a test that fails with Django's own backend as
    well is marked so and does not fail the run: the server or Django is the cause.
    """
    baseline = results.get(BASELINE, {})
    theirs = {o["id"] for o in baseline.get("failures", []) + baseline.get("errors", [])}
    ok = True
    print(f"\nDjango's suite on {server}:")
    for config, summary in results.items():
        if "crashed" in summary:
            ok = False
            print(f"  {config}: runtests.py stopped before reporting (exit {summary['crashed']}):")
            print("    " + summary["tail"].strip().replace("\n", "\n    "))
            continue
        bad = summary["failures"] + summary["errors"]
        ours = [o for o in bad if o["id"] not in theirs or config == BASELINE]
        if config != BASELINE:
            ok = ok and not ours and not summary["unexpected_successes"]
        name = f"{config} (the failing tests again)" if summary.get("rerun") else config
        print(
            f"  {name}: {summary['run']} run, {len(summary['failures'])} failures, {len(summary['errors'])} errors, "
            f"{summary['skipped']} skipped ({len(summary['known'])} known differences), "
            f"{summary['expected_failures']} expected failures"
            + (f"; {len(bad) - len(ours)} of the failures also with Django's backend" if len(ours) < len(bad) else "")
        )
        for outcome in bad:
            also = " [also with Django's backend]" if outcome not in ours else ""
            print(f"    {outcome['id']}{also}: {outcome['cause'][:200]}")
        for test_id in summary["unexpected_successes"]:
            print(f"    {test_id}: unexpected success")
    return ok


#: Created by postgres_tests' first migration; without them the run cannot even set up.
POSTGRES_TESTS_EXTENSIONS = ("bloom", "btree_gin", "btree_gist", "citext", "uuid-ossp", "hstore", "pg_trgm", "unaccent")


def inspect_server(url: str) -> tuple[str, list[str]]:
    """The server's version, and the extensions postgres_tests needs that it lacks."""
    import psycopg

    with psycopg.connect(url) as conn:
        version = conn.info.server_version
        rows = conn.execute("SELECT name FROM pg_available_extensions").fetchall()
    available = {name for (name,) in rows}
    missing = [name for name in POSTGRES_TESTS_EXTENSIONS if name not in available]
    return f"PostgreSQL {version // 10000}.{version % 10000}", missing


def create_test_databases(url: str, names: list[str]) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_test_databases(url: str, tag: str) -> None:
    """Drop what runtests.py left of this run (``--keepdb``, parallel clones, a crash)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        # Compared in Python: in LIKE the underscores are wildcards, and pid 123's pattern matched pid 1234's.
        names = [name for (name,) in conn.execute("SELECT datname FROM pg_database") if name.startswith(f"test_{tag}_")]
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--config",
        action="append",
        choices=[*CONFIGURATIONS, "all", BASELINE],
        help=f"search-path configuration (repeatable; default: all three); {BASELINE}: Django's own backend",
    )
    parser.add_argument("--parallel", type=int, default=1, help="test processes (default 1)")
    parser.add_argument("--no-known", action="store_true", help="run the known differences too")
    parser.add_argument("--runtests", default="", help='options for runtests.py, e.g. --runtests="--keepdb -v 2"')
    parser.add_argument(
        "--at",
        metavar="REV",
        help="test the core as committed in REV (a clean copy; others' uncommitted edits left out)",
    )
    parser.add_argument("--json", type=Path, help="also write the summaries to this file")
    parser.add_argument("labels", nargs="*", help=f"Django test labels (default: {' '.join(DEFAULT_LABELS)})")
    args = parser.parse_args()
    extra = shlex.split(args.runtests)
    configs: list[str] = []
    for name in args.config or ["all"]:
        configs += list(CONFIGURATIONS) if name == "all" else [name]
    configs = list(dict.fromkeys(configs))

    from pg_tenants.core.testing.database import database_url

    tests = django_tests_dir()
    url = database_url()  # starts the embedded server when DATABASE_URL is unset
    server, missing = inspect_server(url)
    labels = args.labels or DEFAULT_LABELS
    if missing and "postgres_tests" in labels:
        # The embedded server's wheel ships no contrib extensions.
        print(f"Leaving out postgres_tests: {server} lacks the extensions {', '.join(missing)}.", flush=True)
        server += " (postgres_tests left out: no contrib extensions)"
        labels = [label for label in labels if label != "postgres_tests"]
    args.url = url
    args.source = None
    if args.at:
        args.source, commit = core_source_at(args.at)
        source = f"packages/core/src at {commit[:12]}"
    else:
        source = tested_source()
    server += f"; {source}"
    # One name per run, so two runs on one server (or a killed one) never collide.
    tag = f"pgt_django_{os.getpid()}"
    dbs = databases(url, tag)
    results: dict[str, dict[str, Any]] = {}
    try:
        for config in configs:
            results[config] = run(config, tests, dbs, args, extra, labels)
            drop_test_databases(url, tag)
        failing = failing_tests(results)
        if BASELINE not in results and failing:
            # Does Django's own backend fail them too? Then the server or Django is the cause.
            print(f"\nRunning the {len(failing)} failing tests with Django's own backend.", flush=True)
            results[BASELINE] = {**run(BASELINE, tests, dbs, args, extra, failing), "rerun": True}
            drop_test_databases(url, tag)
    except KeyboardInterrupt:
        traceback.print_exc()
    finally:
        drop_test_databases(url, tag)
    ok = report(results, server)
    if args.json:
        args.json.write_text(json.dumps({"server": server, "results": results}, indent=1))
    return 0 if ok and len(results) == len(configs) else 1


if __name__ == "__main__":
    sys.exit(main())
