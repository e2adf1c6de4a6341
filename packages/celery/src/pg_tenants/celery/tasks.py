"""Tasks shipped with the package: :func:`for_each_tenant`, a fan-out for beat schedules."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.context import public_context
from pg_tenants.core.registry import get_tenant_model

from .propagation import HEADER


def spread_countdowns(count: int, spread: float) -> list[float]:
    """``count`` countdowns (seconds) spaced evenly over ``[0, spread)``: the first is 0."""
    if spread < 0:
        raise ValueError(f"spread must be zero or more seconds, not {spread!r}.")
    return [spread * i / count for i in range(count)]


def active_tenant_schemas() -> list[str]:
    """The schema names of the active tenants other than public, in primary-key order (one query)."""
    with public_context():
        return list(
            get_tenant_model()
            ._default_manager.filter(is_active=True)
            .exclude(schema_name=tenant_settings.PUBLIC_SCHEMA_NAME)
            .order_by("pk")
            .values_list("schema_name", flat=True)
        )


@shared_task(bind=True, name="pg_tenants.celery.for_each_tenant", ignore_result=True)
def for_each_tenant(
    self: Task[Any, Any],
    task_name: str,
    args: list[Any] | tuple[Any, ...] | None = None,
    kwargs: dict[str, Any] | None = None,
    spread: float = 0.0,
    options: dict[str, Any] | None = None,
) -> int:
    """Send the task named ``task_name`` once per active tenant, to run in that tenant's schema.

    The messages' countdowns are spaced evenly over ``spread`` seconds, so
    with ``spread=600`` a thousand tenants start one every 0.6 seconds rather
    than all at once. ``args`` and ``kwargs`` go to every run unchanged;
    ``options`` are extra ``apply_async`` options (``queue``, ``priority``,
    ``expires``...). Returns how many messages were sent. Made for
    ``CELERY_BEAT_SCHEDULE``, whose entries name it
    ``"pg_tenants.celery.for_each_tenant"``.
    """
    schemas = active_tenant_schemas()
    extra = dict(options or {})
    headers = dict(extra.pop("headers", None) or {})
    for schema_name, countdown in zip(schemas, spread_countdowns(len(schemas), spread), strict=True):
        self.app.send_task(
            task_name,
            args=args,
            kwargs=kwargs,
            countdown=countdown or None,
            headers={**headers, HEADER: schema_name},
            **extra,
        )
    return len(schemas)
