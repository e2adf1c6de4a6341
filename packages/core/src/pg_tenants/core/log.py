"""``TenantContextFilter``: the active schema (and tenant id) on every log record.

Give it to the handlers whose records should say which tenant they came from,
and name the attributes in their formatters:

    LOGGING = {
        "version": 1,
        "filters": {"tenant": {"()": "pg_tenants.core.log.TenantContextFilter"}},
        "formatters": {
            "tenant": {"format": "%(asctime)s %(levelname)s [%(schema_name)s:%(tenant_id)s] %(name)s: %(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "filters": ["tenant"], "formatter": "tenant"},
        },
        "root": {"handlers": ["console"], "level": "INFO"},
    }

A filter on a handler sees every record that handler writes, those of child
loggers included; a filter on a logger sees only the records logged on that
very logger. The module is ``log``, not ``logging``, so that it never hides the
standard library's ``logging`` from the package's own modules.
"""

from __future__ import annotations

import logging
from typing import Any

from .cache import tenant_cache
from .context import get_active_schema


class TenantContextFilter(logging.Filter):
    """Sets ``record.schema_name`` and ``record.tenant_id`` from the active tenant.

    ``tenant_id`` is the tenant's primary key when it is known without a query
    (a request's tenant, ``tenant_context``, a tenant the tenant cache holds in
    memory), else ``missing`` (``None`` unless given, e.g. ``"-"``). It never
    queries: the filter also sees the records of ``django.db.backends``.

    A record about a request (``extra={"request": request}``, as Django's
    ``django.request`` records are) names that request's tenant: Django logs
    4xx responses after the whole middleware chain, once the tenant is no
    longer active.

    A record that already has the attributes keeps them: behind a
    ``QueueHandler`` whose listener thread runs in no tenant, give the filter to
    the ``QueueHandler``, and what it sets in the request's context stays.
    """

    def __init__(self, name: str = "", missing: Any = None) -> None:
        super().__init__(name)
        self.missing = missing

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the attributes (unless the record has them already); ``True`` unless ``name`` rules the record out."""
        if not super().filter(record):
            return False
        if "schema_name" in record.__dict__ and "tenant_id" in record.__dict__:
            return True
        # Django logs 4xx responses (django.request's "Not Found: /x") after the
        # whole middleware chain, when TenantMiddleware has already deactivated the tenant.
        tenant = getattr(getattr(record, "request", None), "tenant", None)
        if tenant is not None:
            schema_name = tenant.schema_name
        else:
            active = get_active_schema()
            schema_name, tenant = active.schema_name, active.tenant
            if tenant is None:
                tenant = tenant_cache.tenant_for_schema_in_memory(schema_name)
        pk = tenant.pk if tenant is not None else None
        record.__dict__.setdefault("schema_name", schema_name)
        record.__dict__.setdefault("tenant_id", self.missing if pk is None else pk)
        return True
