"""App configuration for ``pg_tenants.celery`` (label ``pg_tenants_celery``)."""

from __future__ import annotations

from django.apps import AppConfig

from celery import signals


class PgTenantsCeleryConfig(AppConfig):
    """Connects the handlers that carry the active schema from publisher to worker.

    Celery's signals are process-wide, so every Celery app of the process is
    covered, and every task, whatever its base class or whoever wrote it.
    """

    name = "pg_tenants.celery"
    label = "pg_tenants_celery"
    verbose_name = "Tenant-aware Celery"

    def ready(self) -> None:
        from . import propagation, tasks  # noqa: F401  (tasks registers for_each_tenant)

        signals.before_task_publish.connect(propagation.add_schema_header, dispatch_uid="pg_tenants_celery_publish")
        signals.task_prerun.connect(propagation.enter_task_schema, dispatch_uid="pg_tenants_celery_prerun")
        signals.task_postrun.connect(propagation.leave_task_schema, dispatch_uid="pg_tenants_celery_postrun")
