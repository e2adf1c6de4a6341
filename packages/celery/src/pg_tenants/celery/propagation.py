"""The active schema, carried from the process that sends a task to the worker that runs it.

Three Celery signals, connected by the app's ``ready()``:

* ``before_task_publish``: every message gets the :data:`HEADER` header naming
  the schema active when it is published (``PUBLIC_SCHEMA_NAME`` in public),
  unless the sender set that header itself. The signal fires for ``delay``,
  ``apply_async``, ``send_task`` by name, each member of a group or chord, a
  chain's next step and a retry (those two are published by the worker while
  the task's schema is still active), whatever the task's base class.
* ``task_prerun``: the worker makes the header's schema active for the task's
  run, costing no SQL (the backend sets the search path at the first query; a
  schema that no longer exists makes that query raise
  :class:`~pg_tenants.core.exceptions.SchemaNotFound`). A message without the
  header runs in public. A task run eagerly (``task.apply()``,
  ``task_always_eager``) without the header keeps the caller's schema.
* ``task_postrun``: what was active before is restored, so nothing leaks into
  the worker's next task.

A header that is not a valid schema name is never used: the task runs with
the schema :data:`REFUSED_SCHEMA` active, which PostgreSQL never lets exist
(``pg_`` names are reserved), so its first query fails instead of running in
public, and the cause is logged on ``pg_tenants.celery``.
"""

from __future__ import annotations

import logging
from typing import Any

from pg_tenants.core.context import ActiveSchema, activate, deactivate, get_current_schema_name, public_schema
from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name

#: The message header naming the schema a task runs in.
HEADER = "pg_tenants_schema"
#: The schema made active for a task whose header is not a schema name: it can never exist.
REFUSED_SCHEMA = "pg_tenants_celery_refused"
#: Where the token restoring the previous schema is kept, on the task's request (one per run).
_TOKEN = "_pg_tenants_token"

logger = logging.getLogger("pg_tenants.celery")


def schema_of_request(request: Any) -> str | None:
    """The schema named by a task request's :data:`HEADER`, or ``None`` when the message had none.

    On a worker the message's headers are attributes of the request; a task
    applied eagerly with ``headers=`` has them in ``request.headers``.
    """
    value = getattr(request, HEADER, None)
    if value is None:
        headers = getattr(request, "headers", None)
        if isinstance(headers, dict):
            value = headers.get(HEADER)
    return value if value is None else str(value)


def add_schema_header(*, headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """``before_task_publish`` receiver: name the active schema in the message's headers."""
    if headers is not None and HEADER not in headers:  # a header the sender set wins
        headers[HEADER] = get_current_schema_name()


def _active_for(schema_name: str | None, task_name: str) -> ActiveSchema:
    if schema_name is None:
        return public_schema()
    try:
        validate_schema_name(schema_name, allow_public=True)
    except InvalidSchemaName as exc:
        logger.error(
            "Task %s was received with %s=%r, which is not a schema name: it runs with no usable schema "
            "(its first query fails). Send tasks from inside tenant_context/schema_context instead of "
            "setting the header by hand. (%s)",
            task_name,
            HEADER,
            schema_name,
            exc.messages[0],
        )
        return ActiveSchema.for_schema(REFUSED_SCHEMA)
    if schema_name == public_schema().schema_name:
        return public_schema()
    return ActiveSchema.for_schema(schema_name)


def enter_task_schema(*, task: Any = None, **kwargs: Any) -> None:
    """``task_prerun`` receiver: make the task's schema active for its run."""
    if task is None:
        return
    request = task.request
    schema_name = schema_of_request(request)
    if schema_name is None and request.is_eager:
        # Run in the caller's own context: its schema is already the right one.
        setattr(request, _TOKEN, None)
        return
    setattr(request, _TOKEN, activate(_active_for(schema_name, task.name)))


def leave_task_schema(*, task: Any = None, **kwargs: Any) -> None:
    """``task_postrun`` receiver: restore the schema that was active before the task ran."""
    if task is None:
        return
    request = task.request
    token = getattr(request, _TOKEN, None)
    if token is not None:
        setattr(request, _TOKEN, None)
        deactivate(token)
