"""The header on publish, the schema on run, eager tasks and the fan-out's countdowns, in process."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from pg_tenants.celery import HEADER, schema_of_request
from pg_tenants.celery.propagation import REFUSED_SCHEMA, add_schema_header, enter_task_schema, leave_task_schema
from pg_tenants.celery.tasks import for_each_tenant, spread_countdowns
from pg_tenants.core import get_current_schema_name, schema_context
from sandbox.celery_app import app


def published_headers(**given: Any) -> dict[str, Any]:
    headers = dict(given)
    add_schema_header(sender="t", headers=headers)
    return headers


def test_every_message_names_the_active_schema_and_an_explicit_header_wins():
    assert published_headers() == {HEADER: "public"}
    with schema_context("cel_a"):
        assert published_headers() == {HEADER: "cel_a"}
        assert published_headers(**{HEADER: "cel_b"}) == {HEADER: "cel_b"}


def fake_task(**request: Any) -> Any:
    return SimpleNamespace(name="fake", request=SimpleNamespace(**{"is_eager": False, "headers": None, **request}))


@pytest.mark.parametrize(
    ("request_fields", "runs_in"),
    [
        ({HEADER: "cel_b"}, "cel_b"),
        ({HEADER: "public"}, "public"),
        ({}, "public"),  # a message without the header
        ({"headers": {HEADER: "cel_b"}, "is_eager": True}, "cel_b"),  # task.apply(headers=...)
        ({"is_eager": True}, "cel_a"),  # eager without the header: the caller's schema
        ({HEADER: "Bad;Name"}, REFUSED_SCHEMA),
    ],
)
def test_a_task_runs_in_the_schema_its_request_names_and_the_previous_one_comes_back(request_fields, runs_in):
    task = fake_task(**request_fields)
    with schema_context("cel_a"):
        enter_task_schema(sender=task, task=task)
        assert get_current_schema_name() == runs_in
        leave_task_schema(sender=task, task=task)
        assert get_current_schema_name() == "cel_a"


def test_the_header_is_read_from_a_requests_attributes_or_headers():
    assert schema_of_request(SimpleNamespace(**{HEADER: "cel_a"})) == "cel_a"
    assert schema_of_request(SimpleNamespace(headers={HEADER: "cel_b"})) == "cel_b"
    assert schema_of_request(SimpleNamespace(headers=None)) is None


def test_an_eager_task_runs_in_the_callers_schema():
    with schema_context("cel_b"):
        assert app.tasks["sandbox.schema_name"].apply().get() == "cel_b"
        assert app.tasks["sandbox.schema_name"].apply(headers={HEADER: "cel_a"}).get() == "cel_a"
        assert get_current_schema_name() == "cel_b"
    assert app.tasks["sandbox.schema_name"].apply().get() == "public"


def test_countdowns_spread_evenly_from_zero():
    assert spread_countdowns(4, 60) == [0, 15, 30, 45]
    assert spread_countdowns(3, 0) == [0, 0, 0]
    assert spread_countdowns(0, 60) == []
    with pytest.raises(ValueError, match="spread must be zero or more seconds"):
        spread_countdowns(2, -1)


@pytest.mark.django_db
def test_for_each_tenant_sends_one_message_per_active_tenant_with_its_header(monkeypatch, two_tenants):
    from pg_tenants.celery.tasks import active_tenant_schemas

    a, b = two_tenants
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(app, "send_task", lambda name, **options: sent.append({"name": name, **options}))
    type(a).objects.filter(pk=b.pk).update(is_active=False)  # rolled back with the test
    count = for_each_tenant.apply(
        args=["sandbox.add_note"],
        kwargs={"args": ["x"], "spread": 10, "options": {"queue": "q", "headers": {"other": 1}}},
    ).get()
    schemas = active_tenant_schemas()
    assert "cel_b" not in schemas and "cel_a" in schemas
    assert count == len(sent) == len(schemas)
    assert [m["headers"] for m in sent] == [{"other": 1, HEADER: s} for s in schemas]
    assert {(m["name"], tuple(m["args"]), m["queue"]) for m in sent} == {("sandbox.add_note", ("x",), "q")}
    assert [m["countdown"] for m in sent] == [c or None for c in spread_countdowns(len(schemas), 10)]
