"""PgBouncer in transaction pooling: many clients of several tenants, zero cross-tenant reads.

A real PgBouncer (``pool_mode = transaction``, a pool of 3 server connections)
is started in front of the test database. A worker process (this file run as a
script, so each driver gets a clean interpreter) serves the sandbox's
``/notes/`` page through Django's request handler from many threads, for
several tenants at random, with ``TENANT_SEARCH_PATH_MODE = "transaction"``.
Meanwhile a hostile neighbour on the same pooler keeps sending session-level
``SET search_path`` to other tenants' schemas, so every server connection a
request gets may carry a wrong path: only a ``SET LOCAL`` in the request's own
transaction keeps it right. Every response must list only its own tenant's
notes.

The control runs the same load in session mode with the pooler check turned
off, and must see leaks: it proves that the load can find one, and that the
refusal tested below guards against a real danger.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
TENANTS = ("bnc_acme", "bnc_globex", "bnc_initech", "bnc_umbrella")
NOTES_PER_TENANT = 3
DRIVERS = [name for name in ("psycopg", "psycopg2") if find_spec(name) is not None]
REQUESTS = 10_000  # per driver
THREADS = 12
TIME_LIMIT = 150.0


# -- the worker (runs in a child process) -------------------------------------------------


def _worker(args: argparse.Namespace) -> dict[str, Any]:
    if args.driver == "psycopg2":
        sys.modules["psycopg"] = None  # type: ignore[assignment]  # Django then picks psycopg2
    sys.path.insert(0, str(REPO))
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    os.environ["SANDBOX_CONN_MAX_AGE"] = "600"  # persistent client connections to the pooler
    import django
    from django.conf import settings

    settings.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    settings.TENANT_SEARCH_PATH_MODE = args.mode
    settings.TENANT_SEARCH_PATH_ON_CONNECT = False
    django.setup()
    from django.db import connection, connections, transaction
    from django.test import Client

    from pg_tenants.core import tenant_context
    from pg_tenants.core.backend import pooler
    from pg_tenants.core.cache import tenant_cache
    from sandbox.customers.models import Client as Tenant
    from sandbox.notes.models import Note

    if args.unchecked:  # the control: pretend the pooler was checked and found harmless
        original = pooler.check_connection
        pooler.check_connection = lambda raw, params, expected: pooler.PoolerReport("session")  # type: ignore[assignment]
    driver = connection.Database.__name__
    tenants = {t.schema_name: t for t in Tenant.objects.filter(schema_name__in=TENANTS)}
    stop_at = time.monotonic() + args.seconds
    lock = threading.Lock()
    counts = {"ok": 0, "leaks": 0, "errors": 0}
    samples: list[str] = []
    remaining = [args.requests]

    def take() -> bool:
        with lock:
            if remaining[0] <= 0 or time.monotonic() > stop_at:
                return False
            remaining[0] -= 1
            return True

    def record(kind: str, detail: str = "") -> None:
        with lock:
            counts[kind] += 1
            if detail and len(samples) < 10:
                samples.append(detail)

    def client_thread(n: int) -> None:
        rng = random.Random(n)
        client = Client(raise_request_exception=False)
        try:
            while take():
                schema = rng.choice(TENANTS)
                expected = {f"{schema}-{i}" for i in range(NOTES_PER_TENANT)}
                try:
                    if rng.random() < 0.8:  # a request through the whole middleware stack
                        response = client.get("/notes/", headers={"host": f"{schema.replace('_', '-')}.tenants.test"})
                        if response.status_code != 200:
                            record("errors", f"{schema}: HTTP {response.status_code}")
                            continue
                        body = response.json()
                        seen, where = set(body["notes"]), body["tenant"]
                    else:  # an atomic block with several statements
                        with tenant_context(tenants[schema]), transaction.atomic():
                            seen = set(Note.objects.values_list("title", flat=True))
                            with connection.cursor() as cursor:
                                cursor.execute("SELECT current_schema()")
                                where = cursor.fetchone()[0]
                except Exception as exc:  # a wrong path shows as a missing table too
                    record("errors", f"{schema}: {exc!r}"[:300])
                    connection.close()
                    continue
                if seen == expected and where == schema:
                    record("ok")
                else:
                    record("leaks", f"{schema} saw {where} {sorted(seen)}")
        finally:
            connections.close_all()

    def neighbour() -> None:
        # Another application on the same pooler that uses session-level SET.
        rng = random.Random(-1)
        raw = connection.Database.connect(_dsn(connection))
        raw.autocommit = True
        try:
            while time.monotonic() < stop_at and remaining[0] > 0:
                cursor = raw.cursor()
                cursor.execute(f'SET search_path = "{rng.choice(TENANTS)}"')
                cursor.execute("SELECT count(*) FROM notes_note")
                cursor.close()
                time.sleep(0.0005)
        finally:
            raw.close()

    tenant_cache.clear()
    started = time.monotonic()
    threads = [threading.Thread(target=client_thread, args=(n,)) for n in range(args.threads)]
    threads.append(threading.Thread(target=neighbour))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if args.unchecked:
        pooler.check_connection = original  # type: ignore[assignment]
    return {"driver": driver, "seconds": round(time.monotonic() - started, 2), **counts, "samples": samples}


def _dsn(connection: Any) -> str:
    params = connection.settings_dict
    return f"host={params['HOST']} port={params['PORT']} dbname={params['NAME']} user={params['USER']}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--driver", required=True)
    parser.add_argument("--mode", default="transaction")
    parser.add_argument("--unchecked", action="store_true")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--seconds", type=float, default=TIME_LIMIT)
    print("RESULT " + json.dumps(_worker(parser.parse_args())), flush=True)
    sys.exit(0)


# -- the tests ------------------------------------------------------------------------------

import pytest  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.db import NotSupportedError, connection, connections, transaction  # noqa: E402

from pg_tenants.core import tenant_context  # noqa: E402
from pg_tenants.core.backend import pooler  # noqa: E402
from pg_tenants.core.backend.base import DatabaseWrapper  # noqa: E402
from pg_tenants.core.testing import get_test_tenant  # noqa: E402
from pg_tenants.core.testing.database import database_url  # noqa: E402
from sandbox.notes.models import Note  # noqa: E402
from sandbox.tooling.pgbouncer import PgBouncer  # noqa: E402


@pytest.fixture(scope="module")
def bouncer():
    with PgBouncer(database_url(), pool_mode="transaction", pool_size=3) as running:
        yield running


@pytest.fixture(scope="module")
def four_tenants(django_db_setup, django_db_blocker):
    """Four tenants with three committed notes each, made outside any test's transaction."""
    with django_db_blocker.unblock():
        tenants = [get_test_tenant(name) for name in TENANTS]
        for tenant in tenants:
            with tenant_context(tenant):
                Note.objects.all().delete()
                Note.objects.bulk_create(Note(title=f"{tenant.schema_name}-{i}") for i in range(NOTES_PER_TENANT))
    yield tenants
    with django_db_blocker.unblock():
        for tenant in tenants:
            with tenant_context(tenant):
                Note.objects.all().delete()


@pytest.fixture(autouse=True)
def _fresh_pooler_reports():
    pooler.forget_reports()
    yield
    pooler.forget_reports()


def run_worker(bouncer: PgBouncer, *args: str, timeout: float = TIME_LIMIT + 60) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": bouncer.url(connection.settings_dict["NAME"])}
    done = subprocess.run(
        [sys.executable, __file__, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise AssertionError(f"worker failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{bouncer.log()}")


@pytest.mark.django_db  # sets the test database up; the workers read what four_tenants committed
@pytest.mark.parametrize("driver", DRIVERS)
def test_transaction_pooling_ten_thousand_requests_without_a_leak(bouncer, four_tenants, driver):
    result = run_worker(bouncer, "--driver", driver)
    print(result)
    assert result["driver"] == driver
    assert result["leaks"] == 0, result["samples"]
    assert result["errors"] == 0, result["samples"]
    assert result["ok"] == REQUESTS, f"only {result['ok']} requests within {TIME_LIMIT} s"


@pytest.mark.django_db
def test_control_session_mode_behind_a_transaction_pooler_does_leak(bouncer, four_tenants):
    result = run_worker(bouncer, "--driver", DRIVERS[0], "--mode", "session", "--unchecked", "--requests", "1500")
    print(result)
    assert result["leaks"] + result["errors"] > 0, result


@pytest.fixture
def through():
    """Make a connection (registered under an alias of its own) that goes through a pooler."""
    made: list[str] = []

    def make(running: PgBouncer) -> DatabaseWrapper:
        alias = f"through_pooler_{len(made)}"
        settings_dict = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": str(running.port), "OPTIONS": {}}
        connections[alias] = wrapper = DatabaseWrapper(settings_dict, alias=alias)
        made.append(alias)
        return wrapper

    yield make
    for alias in made:
        connections[alias].close()
        del connections[alias]


@pytest.mark.django_db
def test_session_mode_behind_a_transaction_pooler_is_refused(through, bouncer, settings):
    settings.TENANT_SEARCH_PATH_ON_CONNECT = False
    wrapper = through(bouncer)
    with pytest.raises(ImproperlyConfigured, match='TENANT_SEARCH_PATH_MODE = "transaction"'):
        wrapper.ensure_connection()
    # Refused again on every new connection, without probing again.
    with pytest.raises(ImproperlyConfigured, match="transaction pooler"):
        wrapper.ensure_connection()
    wrapper.close()


@pytest.mark.django_db
def test_transaction_mode_behind_a_transaction_pooler_is_accepted(through, bouncer, settings, four_tenants):
    settings.TENANT_SEARCH_PATH_MODE = "transaction"
    wrapper = through(bouncer)
    try:
        with tenant_context(four_tenants[1]), wrapper.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            assert cursor.fetchone()[0] == four_tenants[1].schema_name
    finally:
        wrapper.close()


@pytest.mark.django_db
def test_session_pooler_and_direct_connections_are_accepted(through, settings, four_tenants):
    settings.TENANT_SEARCH_PATH_ON_CONNECT = False
    with PgBouncer(database_url(), pool_mode="session", pool_size=1) as session_pooler:
        # pool_size=1: the check's second connection has to wait, and is given up on, not waited for.
        wrapper = through(session_pooler)
        started = time.monotonic()
        try:
            with tenant_context(four_tenants[0]), wrapper.cursor() as cursor:
                cursor.execute("SELECT current_schema()")
                assert cursor.fetchone()[0] == four_tenants[0].schema_name
        finally:
            wrapper.close()
        assert time.monotonic() - started < pooler.PROBE_TIMEOUT + 5
    assert pooler.cached_report(wrapper.get_connection_params()).kind == "session"
    direct = DatabaseWrapper(dict(connection.settings_dict), alias="direct")
    direct.ensure_connection()
    direct.close()
    assert pooler.cached_report(direct.get_connection_params()).kind == "direct"


@pytest.mark.django_db
def test_a_dropped_search_path_start_up_option_is_noticed(through, four_tenants):
    # A session pooler told to ignore the option accepts the connection but does not apply it.
    extra = {"ignore_startup_parameters": "extra_float_digits,options"}
    with PgBouncer(database_url(), pool_mode="session", pool_size=2, extra=extra) as session_pooler:
        wrapper = through(session_pooler)
        try:
            with tenant_context(four_tenants[2]), wrapper.cursor() as cursor:
                cursor.execute("SELECT current_schema()")
                assert cursor.fetchone()[0] == four_tenants[2].schema_name
        finally:
            wrapper.close()
    assert pooler.cached_report(wrapper.get_connection_params()).startup_option_ignored


@pytest.mark.django_db
def test_transaction_mode_iterator_cannot_read_another_clients_cursor(through, bouncer, settings, four_tenants):
    """``.iterator()`` outside a transaction is refused; inside one it stays on its own server connection."""
    settings.TENANT_SEARCH_PATH_MODE = "transaction"
    acme, globex = four_tenants[0], four_tenants[1]
    first, second = through(bouncer), through(bouncer)
    with tenant_context(acme), pytest.raises(NotSupportedError, match="DISABLE_SERVER_SIDE_CURSORS"):
        list(Note.objects.using(first.alias).iterator(chunk_size=2))
    with tenant_context(acme), transaction.atomic(using=first.alias):
        names = []
        for note in Note.objects.using(first.alias).order_by("title").iterator(chunk_size=1):
            names.append(note.title)
            with tenant_context(globex):  # another client's traffic through the same small pool
                list(Note.objects.using(second.alias).values_list("title", flat=True))
    assert names == [f"{acme.schema_name}-{i}" for i in range(NOTES_PER_TENANT)]


@pytest.mark.django_db
def test_transaction_mode_autocommit_statement_is_one_round_trip(through, settings, four_tenants):
    """The path travels in the statement's own query: PgBouncer counts one query per statement.

    Wrapping each autocommit statement in BEGIN, SET LOCAL, the statement and COMMIT would be four.
    """
    settings.TENANT_SEARCH_PATH_MODE = "transaction"
    with PgBouncer(database_url(), pool_mode="transaction", pool_size=2, extra={"stats_period": "1"}) as counted:
        wrapper = through(counted)
        dbname = connection.settings_dict["NAME"]
        with tenant_context(four_tenants[3]):
            assert Note.objects.using(wrapper.alias).count() == NOTES_PER_TENANT
            before = _pooled_queries(counted, dbname)
            for _ in range(20):
                assert Note.objects.using(wrapper.alias).count() == NOTES_PER_TENANT
            after = _pooled_queries(counted, dbname)
    assert 20 <= after - before <= 22, after - before


def _pooled_queries(bouncer: PgBouncer, dbname: str) -> int:
    """PgBouncer's total_query_count for ``dbname`` (its admin console, after a stats period)."""
    time.sleep(1.5)
    driver = connection.Database
    raw = driver.connect(host="127.0.0.1", port=bouncer.port, dbname="pgbouncer", user="postgres")
    try:
        raw.autocommit = True
        # The admin console speaks only the simple query protocol.
        cursor = driver.ClientCursor(raw) if hasattr(driver, "ClientCursor") else raw.cursor()
        cursor.execute("SHOW STATS")
        columns = [c[0] for c in cursor.description]
        for row in cursor.fetchall():
            stats = dict(zip(columns, row, strict=True))
            if stats["database"] == dbname:
                return int(stats["total_query_count"])
        raise AssertionError(f"no PgBouncer stats for {dbname}")
    finally:
        raw.close()
