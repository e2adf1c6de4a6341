"""TenantRouter and the wrapped backend."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from pg_tenants.core import public_context, tenant_context
from pg_tenants.core.routers import TenantRouter

pytestmark = pytest.mark.django_db


def tables_in(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def test_shared_apps_in_public_tenant_apps_in_tenants_both_in_both(acme_globex):
    public, acme = tables_in("public"), tables_in("acme")
    assert {"customers_client", "catalog_category", "auth_user"} <= public
    assert "notes_note" not in public
    assert "notes_note" in acme
    assert not {"customers_client", "catalog_category", "auth_user"} & acme
    # contenttypes is in SHARED_APPS and TENANT_APPS
    assert "django_content_type" in public and "django_content_type" in acme


def test_allow_migrate_follows_the_active_schema(acme_globex):
    router = TenantRouter()
    with public_context():
        assert router.allow_migrate("default", "catalog") is True
        assert router.allow_migrate("default", "notes") is False
        assert router.allow_migrate("default", "contenttypes") is True
    with tenant_context(acme_globex[0]):
        assert router.allow_migrate("default", "catalog") is False
        assert router.allow_migrate("default", "notes") is True
        assert router.allow_migrate("default", "contenttypes") is True


def test_tenant_base_backend_wraps_another_postgresql_backend():
    script = (
        "import django; django.setup()\n"
        "from django.db import connections\n"
        "connection = connections['default']\n"
        "from pg_tenants.core import schema_context\n"
        "print(type(connection).__mro__[1].__module__, connection.vendor_marker)\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT current_schema()'); print(c.fetchone()[0])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "SANDBOX_BASE_BACKEND": "sandbox.marker_backend",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    assert out == ["sandbox.marker_backend.base", "wrapped-backend", "public"]
