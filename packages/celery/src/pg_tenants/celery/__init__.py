"""Celery for django-pg-tenants: tasks run in the schema of the tenant that sent them.

Add ``"pg_tenants.celery"`` to ``INSTALLED_APPS``. Every message Celery
publishes while a schema is active carries it in the :data:`HEADER` message
header (public included), and the worker runs the task inside that schema
(:mod:`pg_tenants.celery.propagation`). :func:`~pg_tenants.celery.tasks.for_each_tenant`
fans a task out to every active tenant, for beat schedules.
"""

from __future__ import annotations

from .propagation import HEADER, schema_of_request

__all__ = ["HEADER", "schema_of_request"]
