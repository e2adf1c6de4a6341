"""TenantContextFilter: every record says which schema (and tenant) it came from, with a real logging setup."""

from __future__ import annotations

import logging
import logging.config
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import override_settings

from pg_tenants.core import public_context, schema_context, tenant_context
from pg_tenants.core.cache import tenant_cache
from pg_tenants.core.log import TenantContextFilter
from pg_tenants.core.testing import AsyncTenantClient, TenantClient

LOGGERS = ("sandbox.integrations", "django.request")


class Lines(logging.Handler):
    """Keeps each formatted record."""

    lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def lines() -> Iterator[list[str]]:
    """The docs' logging setup (filter on the handler, tenant in the format), writing to a list."""
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate) for name in LOGGERS}
    Lines.lines = []
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"tenant": {"()": "pg_tenants.core.log.TenantContextFilter", "missing": "-"}},
            "formatters": {"tenant": {"format": "[%(schema_name)s:%(tenant_id)s] %(name)s: %(message)s"}},
            "handlers": {"lines": {"()": Lines, "filters": ["tenant"], "formatter": "tenant"}},
            "loggers": {name: {"handlers": ["lines"], "level": "INFO", "propagate": False} for name in LOGGERS},
        }
    )
    yield Lines.lines
    for name, (handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate = propagate


log = logging.getLogger("sandbox.integrations")


@pytest.mark.django_db
def test_records_name_the_active_tenant(acme_globex, lines, django_assert_num_queries):
    acme, globex = acme_globex
    with django_assert_num_queries(0):
        log.info("outside")
        with tenant_context(acme):
            log.info("in acme")
            with tenant_context(globex):
                log.info("in globex")
            with public_context():
                log.info("in public")
    assert lines == [
        "[public:-] sandbox.integrations: outside",
        f"[acme:{acme.pk}] sandbox.integrations: in acme",
        f"[globex:{globex.pk}] sandbox.integrations: in globex",
        "[public:-] sandbox.integrations: in public",
    ]


@pytest.mark.django_db
def test_schema_context_gives_the_id_only_when_it_costs_no_query(acme_globex, lines, django_assert_num_queries):
    acme, _ = acme_globex
    with schema_context("acme"), django_assert_num_queries(0):
        log.info("cold")
    tenant_cache.tenant_for_schema("acme")  # something else looked the tenant up
    with schema_context("acme"), django_assert_num_queries(0):
        log.info("warm")
    assert lines == ["[acme:-] sandbox.integrations: cold", f"[acme:{acme.pk}] sandbox.integrations: warm"]


@pytest.mark.django_db
def test_requests_log_their_tenant(acme_globex, lines):
    acme, globex = acme_globex
    with override_settings(ROOT_URLCONF="sandbox.urls_integrations"):
        TenantClient(acme).get("/log/")
        # Django's own record, logged once TenantMiddleware is done: the request names the tenant.
        assert TenantClient(globex).get("/missing/").status_code == 404
    assert lines == [
        f"[acme:{acme.pk}] sandbox.integrations: hello from the view",
        f"[globex:{globex.pk}] django.request: Not Found: /missing/",
    ]


@pytest.mark.django_db(transaction=True)
async def test_async_requests_log_their_tenant(acme_globex, lines):
    acme, globex = acme_globex
    try:
        with override_settings(ROOT_URLCONF="sandbox.urls_integrations"):
            await AsyncTenantClient(globex).get("/async-log/")
            await AsyncTenantClient(acme).get("/async-log/")
            await AsyncTenantClient(acme).get("/missing/")
    finally:
        await sync_to_async(connections.close_all)()
    assert lines == [
        f"[globex:{globex.pk}] sandbox.integrations: hello from the async view",
        f"[acme:{acme.pk}] sandbox.integrations: hello from the async view",
        f"[acme:{acme.pk}] django.request: Not Found: /missing/",
    ]


def test_attributes_already_on_a_record_are_kept(acme_globex):
    # As behind a QueueHandler: set where the record was made, read again in the listener's thread.
    acme, _ = acme_globex
    record = logging.makeLogRecord({"msg": "queued"})
    with tenant_context(acme):
        TenantContextFilter().filter(record)
    with public_context():
        assert TenantContextFilter().filter(record)
    assert (record.schema_name, record.tenant_id) == ("acme", acme.pk)


def test_name_still_selects_loggers():
    only = TenantContextFilter("sandbox")
    assert only.filter(logging.makeLogRecord({"name": "sandbox.integrations"}))
    assert not only.filter(logging.makeLogRecord({"name": "django.request"}))
    assert TenantContextFilter().filter(logging.makeLogRecord({"name": "anything"}))
