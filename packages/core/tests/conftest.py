from __future__ import annotations

import pytest
from django.db import connection

from pg_tenants.core import tenant_context
from pg_tenants.core.cache import tenant_cache
from pg_tenants.core.testing import get_test_tenant
from sandbox.notes.models import Note


@pytest.fixture
def acme_globex(django_db_setup, django_db_blocker):
    """Two tenants, acme and globex; their schemas are created once per run.

    Transactional tests flush public (tenant rows included) at their end;
    get_test_tenant puts the rows back over the surviving schemas.
    """
    with django_db_blocker.unblock():
        return get_test_tenant("acme", name="Acme"), get_test_tenant("globex", name="Globex")


@pytest.fixture
def seeded(acme_globex, db):
    """acme and globex, each with one note carrying its own name (rolled back after the test)."""
    acme, globex = acme_globex
    for tenant in (acme, globex):
        with tenant_context(tenant):
            Note.objects.create(title=f"{tenant.schema_name}-note")
    return acme, globex


@pytest.fixture(autouse=True)
def _fresh_tenant_cache():
    tenant_cache.clear()
    yield
    tenant_cache.clear()


def current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]
