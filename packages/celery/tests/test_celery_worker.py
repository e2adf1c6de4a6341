"""Tasks run, on a real worker, in the schema of the tenant that sent them: checked in the database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from celery import chain, group, signals
from celery.result import ResultSet

from pg_tenants.celery import HEADER
from pg_tenants.celery.propagation import REFUSED_SCHEMA, add_schema_header
from pg_tenants.core import schema_context, tenant_context
from sandbox.catalog.models import Category
from sandbox.notes.models import Note

pytestmark = pytest.mark.django_db


def run_id() -> str:
    return uuid.uuid4().hex[:8]


def notes_in(schema_name: str, prefix: str) -> int:
    with schema_context(schema_name):
        return Note.objects.filter(title__startswith=prefix).count()


@contextmanager
def without_header() -> Iterator[None]:
    """Publish as a process without the package would: no schema header."""
    signals.before_task_publish.disconnect(dispatch_uid="pg_tenants_celery_publish")
    try:
        yield
    finally:
        signals.before_task_publish.connect(add_schema_header, dispatch_uid="pg_tenants_celery_publish")


def test_hundreds_of_tasks_alternating_tenants_each_write_in_their_own_schema(worker, two_tenants):
    a, b = two_tenants
    run = run_id()
    results, expected = [], []
    for i in range(300):
        tenant = (a, b)[i % 2]
        with tenant_context(tenant):
            results.append(worker.app.send_task("sandbox.add_note", args=[f"{run}-{i}"]))
        expected.append(tenant.schema_name)
    assert ResultSet(results).join(timeout=180) == expected
    assert notes_in("cel_a", run) == 150
    assert notes_in("cel_b", run) == 150
    with schema_context("cel_a"):
        assert set(Note.objects.filter(title__startswith=run).values_list("title", flat=True)) == {
            f"{run}-{i}" for i in range(0, 300, 2)
        }


def test_tasks_see_the_current_tenant_without_a_query_per_task(worker, two_tenants):
    a, b = two_tenants
    results = []
    for i in range(60):
        with tenant_context((a, b)[i % 2]) if i % 3 else schema_context((a, b)[i % 2].schema_name):
            results.append(worker.app.send_task("sandbox.tenant_lookups"))
    answers = ResultSet(results).join(timeout=60)
    assert [schema for schema, _, _ in answers] == [("cel_a", "cel_b")[i % 2] for i in range(60)]
    # Each worker process looks a tenant up at most once (its tenant cache answers after that),
    # whatever earlier tests made it look up: later answers never count more look-ups than the first.
    by_process: dict[int, list[int]] = {}
    for _, misses, pid in answers:
        by_process.setdefault(pid, []).append(misses)
    for misses in by_process.values():
        assert misses[-1] - misses[0] <= 2, by_process


def test_public_tasks_run_in_public_with_the_header_or_without_it(worker, two_tenants):
    a, _ = two_tenants
    sent = worker.app.send_task("sandbox.where_am_i")
    assert sent.get(timeout=30) == ["public", "public"]
    with without_header(), tenant_context(a):
        # A message without the header (a publisher without the package) runs in public, not in cel_a.
        assert worker.app.send_task("sandbox.where_am_i").get(timeout=30) == ["public", "public"]
    with tenant_context(a):
        # Sending into public from a tenant: the header says so.
        explicit = worker.app.send_task("sandbox.where_am_i", headers={HEADER: "public"})
        assert explicit.get(timeout=30) == ["public", "public"]


def test_chains_and_groups_keep_the_tenant(worker, two_tenants):
    a, b = two_tenants
    run = run_id()
    app = worker.app

    def add(title: str) -> Any:
        return app.signature("sandbox.add_note", args=[title], immutable=True)

    with tenant_context(b):
        steps = chain(add(f"{run}-c1"), add(f"{run}-c2"))
        last = chain(steps, app.signature("sandbox.schema_name", immutable=True)).apply_async()
    assert last.get(timeout=60) == "cel_b"
    with tenant_context(a):
        members = group(add(f"{run}-g{i}") for i in range(10)).apply_async()
    assert members.get(timeout=60) == ["cel_a"] * 10
    assert (notes_in("cel_b", f"{run}-c"), notes_in("cel_a", f"{run}-c")) == (2, 0)
    assert (notes_in("cel_a", f"{run}-g"), notes_in("cel_b", f"{run}-g")) == (10, 0)


def test_a_retry_runs_in_the_same_tenant(worker, two_tenants):
    _, b = two_tenants
    run = run_id()
    with tenant_context(b):
        retried = worker.app.send_task("sandbox.add_note_after_retry", args=[run])
    assert retried.get(timeout=60) == ["cel_b", 1]
    assert (notes_in("cel_b", run), notes_in("cel_a", run)) == (1, 0)


def test_a_tenant_whose_schema_is_gone_fails_its_task_and_the_worker_goes_on(worker, two_tenants):
    gone = f"cel_gone_{run_id()}"
    with schema_context(gone):
        failed = worker.app.send_task("sandbox.count_notes")
        failed.get(timeout=30, propagate=False)
    assert failed.state == "FAILURE"
    assert "SchemaNotFound" in failed.traceback
    assert f"Schema {gone!r} does not exist" in failed.traceback
    # The same worker processes go on serving real tenants.
    with schema_context("cel_a"):
        after = [worker.app.send_task("sandbox.add_note", args=["after-gone"]) for _ in range(6)]
    assert ResultSet(after).join(timeout=30) == ["cel_a"] * 6


def test_a_header_that_is_not_a_schema_name_never_runs_queries(worker, two_tenants):
    refused = worker.app.send_task("sandbox.count_notes", headers={HEADER: "Not-A-Schema"})
    refused.get(timeout=30, propagate=False)
    assert refused.state == "FAILURE"
    assert f"Schema {REFUSED_SCHEMA!r} does not exist" in refused.traceback
    assert "'Not-A-Schema', which is not a schema name" in worker.output()


def test_for_each_tenant_fans_out_one_task_per_active_tenant_spread_over_time(worker, two_tenants):
    from pg_tenants.celery.tasks import active_tenant_schemas

    a, b = two_tenants
    run = run_id()
    expected = active_tenant_schemas()
    assert {"cel_a", "cel_b"} <= set(expected)
    with tenant_context(a):  # the fan-out reaches every tenant, wherever it is sent from
        sent = worker.app.send_task(
            "pg_tenants.celery.for_each_tenant",
            args=["sandbox.log_fan_out"],
            kwargs={"args": [run], "spread": 2.0},
            ignore_result=False,
        )
    assert sent.get(timeout=30) == len(expected)
    rows = wait_for_rows(run, len(expected))
    pks = sorted(int(name.split(":")[1]) for name in rows)
    from pg_tenants.core import get_tenant_model

    by_schema = dict(get_tenant_model().objects.values_list("schema_name", "pk"))
    assert pks == sorted(by_schema[s] for s in expected)
    times = sorted(float(name.split(":")[2]) for name in rows)
    # Evenly over 2 s: the last starts at least 2 * (n - 1) / n seconds after the first (less clock slack).
    assert times[-1] - times[0] >= 2.0 * (len(expected) - 1) / len(expected) - 0.3


def wait_for_rows(run: str, count: int, timeout: float = 30) -> list[str]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        rows = list(Category.objects.filter(name__startswith=f"{run}:").values_list("name", flat=True))
        if len(rows) >= count or time.monotonic() > deadline:
            assert len(rows) == count, rows
            return rows
        time.sleep(0.2)
