"""The sandbox's Celery app and the tasks the Celery package's tests send.

A worker runs it with ``python -m celery -A sandbox.celery_app worker``; its
broker, queue and key prefix come from the environment
(:mod:`sandbox.tooling.celery_worker` sets them), and ``SANDBOX_TEST_DB`` points
the worker at the test run's database.
"""

from __future__ import annotations

import os
from typing import Any

import django
from celery import Celery, Task
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
if os.environ.get("SANDBOX_TEST_DB") and not settings.configured:
    settings.DATABASES["default"]["NAME"] = os.environ["SANDBOX_TEST_DB"]
django.setup()

from pg_tenants.core import get_current_schema_name, get_current_tenant  # noqa: E402

app = Celery("sandbox")
app.conf.update(
    broker_url=os.environ.get("SANDBOX_CELERY_BROKER", "redis://127.0.0.1:6379/0"),
    result_backend=os.environ.get("SANDBOX_CELERY_BROKER", "redis://127.0.0.1:6379/0"),
    task_default_queue=os.environ.get("SANDBOX_CELERY_QUEUE", "sandbox"),
    broker_transport_options={"global_keyprefix": os.environ.get("SANDBOX_CELERY_PREFIX", "sandbox:")},
    result_backend_transport_options={"global_keyprefix": os.environ.get("SANDBOX_CELERY_PREFIX", "sandbox:")},
    broker_connection_retry_on_startup=True,
    task_acks_late=False,
    worker_prefetch_multiplier=8,
    worker_hijack_root_logger=False,
)
if os.environ.get("SANDBOX_CELERY_PLAIN"):
    # Plain Celery, for the overhead benchmark: the package's handlers disconnected.
    from celery import signals

    signals.before_task_publish.disconnect(dispatch_uid="pg_tenants_celery_publish")
    signals.task_prerun.disconnect(dispatch_uid="pg_tenants_celery_prerun")
    signals.task_postrun.disconnect(dispatch_uid="pg_tenants_celery_postrun")
app.autodiscover_tasks()


def _note_model() -> Any:
    from sandbox.notes.models import Note

    return Note


@app.task(name="sandbox.add_note")
def add_note(title: str) -> str:
    """Write a note in the active schema; return that schema's name."""
    _note_model().objects.create(title=title)
    return get_current_schema_name()


@app.task(name="sandbox.where_am_i")
def where_am_i() -> list[str]:
    """The active schema and the current tenant's schema, as the task sees them."""
    return [get_current_schema_name(), get_current_tenant().schema_name]


@app.task(name="sandbox.count_notes")
def count_notes() -> int:
    """A query in the active schema (fails when the schema is gone)."""
    return int(_note_model().objects.count())


@app.task(name="sandbox.add_note_after_retry", bind=True, max_retries=3, default_retry_delay=0)
def add_note_after_retry(self: Task[Any, Any], title: str) -> list[Any]:
    """Fail the first run and retry; the retry writes the note."""
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    _note_model().objects.create(title=title)
    return [get_current_schema_name(), self.request.retries]


@app.task(name="sandbox.noop")
def noop() -> None:
    """Nothing: for measuring what a task costs around its body."""


@app.task(name="sandbox.schema_name")
def schema_name() -> str:
    """The active schema's name, without touching the database."""
    return get_current_schema_name()


@app.task(name="sandbox.tenant_lookups")
def tenant_lookups() -> list[Any]:
    """The current tenant's schema, this process's tenant-cache database look-ups so far, and its pid."""
    from pg_tenants.core.cache import tenant_cache

    return [get_current_tenant().schema_name, tenant_cache.misses, os.getpid()]


@app.task(name="sandbox.log_fan_out")
def log_fan_out(run: str) -> None:
    """Write ``<run>:<tenant pk>:<time>`` into public's categories: which tenant ran, and when."""
    import time

    from sandbox.catalog.models import Category

    Category.objects.create(name=f"{run}:{get_current_tenant().pk}:{time.time():.3f}")
