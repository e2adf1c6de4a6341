"""The library runs as a database role that is not a superuser (docs/security.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from pg_tenants.core.testing.database import url_from_settings

SCRIPT = """
import django
django.setup()
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from pg_tenants.core import tenant_context
from sandbox.customers.models import Client
from sandbox.notes.models import Note

with connection.cursor() as cursor:
    cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    print("role", *cursor.fetchone())
if apps.is_installed("pg_tenants.migrations"):
    call_command("migrate_schemas", verbosity=0)
else:
    call_command("migrate", verbosity=0)
acme = Client.objects.create(schema_name="lp_acme")
globex = Client.objects.create(schema_name="lp_globex")
with tenant_context(acme):
    Note.objects.create(title="acme-only")
with tenant_context(globex):
    print("globex sees", Note.objects.count())
with tenant_context(acme):
    print("acme sees", list(Note.objects.values_list("title", flat=True)))
globex.delete()
print("done")
"""


@pytest.mark.django_db
def test_migrate_provision_and_query_as_a_non_superuser_database_owner():
    role = f"pgt_app_{os.getpid()}"
    database = f"pgt_least_{os.getpid()}"
    # Roles and databases are made outside the test's transaction, on a connection of their own.
    admin = connection.copy()
    admin.set_autocommit(True)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
            cursor.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
        url = url_from_settings({**connection.settings_dict, "USER": role, "PASSWORD": "", "NAME": database})
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "sandbox.settings"}
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=180, cwd=os.getcwd()
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.splitlines() == [
            f"role {role} False",
            "globex sees 0",
            "acme sees ['acme-only']",
            "done",
        ]
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.close()
