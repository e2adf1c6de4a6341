"""Fixtures of the Celery package's tests: a real worker on the real Redis, and two tenants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from pg_tenants.core.testing import get_test_tenant
from sandbox.tooling.celery_worker import Worker, celery_worker, prepare_environment

prepare_environment()  # before any test module imports sandbox.celery_app


@pytest.fixture(scope="session")
def two_tenants(django_db_setup: Any, django_db_blocker: Any) -> tuple[Any, Any]:
    """Tenants ``cel_a`` and ``cel_b`` (schemas created once per run)."""
    with django_db_blocker.unblock():
        return get_test_tenant("cel_a", name="Celery A"), get_test_tenant("cel_b", name="Celery B")


@pytest.fixture(scope="session")
def worker(two_tenants: tuple[Any, Any], django_db_blocker: Any) -> Iterator[Worker]:
    """A prefork worker with two processes on the test database."""
    with django_db_blocker.unblock():
        test_db = connection.settings_dict["NAME"]
    with celery_worker(test_db) as running:
        yield running
