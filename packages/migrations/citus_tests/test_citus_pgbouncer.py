"""PgBouncer in transaction pooling in front of the coordinator: tenants on two workers, zero cross-tenant reads.

The core's own PgBouncer load (``packages/core/tests/test_core_pgbouncer.py``, run
as a script: many threads, four tenants at random, a neighbour on the same
pooler sending session-level ``SET search_path`` to other tenants' schemas)
against a real PgBouncer whose server is the Citus coordinator, with the four
tenants spread over both workers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from pg_tenants.core import tenant_context
from pg_tenants.core.testing.database import database_url
from pg_tenants.migrations.citus import move_tenant_schema, shard_nodes, tenant_placements
from sandbox.customers.models import Client
from sandbox.notes.models import Note
from sandbox.tooling.pgbouncer import PgBouncer

pytestmark = pytest.mark.usefixtures("citus")

REPO = Path(__file__).resolve().parents[3]
LOAD = REPO / "packages" / "core" / "tests" / "test_core_pgbouncer.py"
TENANTS = ("bnc_acme", "bnc_globex", "bnc_initech", "bnc_umbrella")  # the names the load script uses
REQUESTS = 3000


@pytest.fixture
def spread() -> None:
    """The four tenants, three notes each, alternately on the two workers."""
    workers = [str(n) for n in shard_nodes() if not n.coordinator]
    for number, name in enumerate(TENANTS):
        tenant = Client.objects.create(schema_name=name)
        with tenant_context(tenant):
            Note.objects.bulk_create(Note(title=f"{name}-{i}") for i in range(3))
        (where,) = tenant_placements([name])
        target = workers[number % len(workers)]
        if where.node != target:
            move_tenant_schema(name, target, transfer_mode="block_writes")
    assert {p.node for p in tenant_placements(list(TENANTS))} == set(workers)


def run_load(*args: str) -> dict[str, Any]:
    with PgBouncer(database_url(), pool_mode="transaction", pool_size=3) as bouncer:
        env = {**os.environ, "DATABASE_URL": bouncer.url(connection.settings_dict["NAME"])}
        done = subprocess.run(
            [sys.executable, str(LOAD), "--driver", "psycopg", "--threads", "6", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        assert lines, f"the load failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{bouncer.log()}"
    return json.loads(lines[0][len("RESULT ") :])  # type: ignore[no-any-return]


def test_transaction_pooling_through_the_coordinator_without_a_leak(spread):
    result = run_load("--requests", str(REQUESTS))
    assert result["leaks"] == 0, result["samples"]
    assert result["errors"] == 0, result["samples"]
    assert result["ok"] == REQUESTS, result


def test_control_session_mode_through_the_same_pooler_does_leak(spread):
    # The same load with the library's pooler check defeated: proves the load can find a leak here.
    result = run_load("--mode", "session", "--unchecked", "--requests", "1500")
    assert result["leaks"] + result["errors"] > 0, result
