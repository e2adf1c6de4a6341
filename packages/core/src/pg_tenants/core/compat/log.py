"""``TenantContextFilter``: 2.x's logging filter, which gives records ``schema_name`` and ``domain_url``.

::

    LOGGING = {
        "filters": {"tenant": {"()": "pg_tenants.core.compat.log.TenantContextFilter"}},
        "formatters": {"tenant": {"format": "[%(schema_name)s:%(domain_url)s] %(message)s"}},
        ...
    }
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from pg_tenants.core.context import get_active_schema

#: Set while the filter reads a domain: the query's own log record must not read it again.
_reading: ContextVar[bool] = ContextVar("pg_tenants_compat_log_reading", default=False)


class TenantContextFilter(logging.Filter):
    """Adds the active schema's name and its tenant's ``domain_url`` to every record.

    ``domain_url`` is ``""`` when the tenant row is not at hand
    (``schema_context``) or has no domain. Reading it costs one query the first
    time for a tenant instance (:class:`~pg_tenants.core.compat.models.TenantMixin`
    keeps it); a record logged where that query cannot run (a broken
    transaction, async code, the query's own log record) gets ``""``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        active = get_active_schema()
        record.schema_name = active.schema_name
        record.domain_url = self._domain_url(active.tenant)
        return True

    def _domain_url(self, tenant: object) -> str:
        if tenant is None or _reading.get():
            return ""
        token = _reading.set(True)
        try:
            return str(getattr(tenant, "domain_url", "") or "")
        except Exception:  # a log call must never fail because the domain could not be read
            return ""
        finally:
            _reading.reset(token)
