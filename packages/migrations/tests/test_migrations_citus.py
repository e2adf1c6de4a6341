"""The Citus support on a plain PostgreSQL: nothing changes, and its commands say why they cannot run.

The Citus behaviour itself is tested against a real cluster by ``hatch run citus:test``
(``packages/migrations/citus_tests``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from pg_tenants.core import tenant_context
from pg_tenants.migrations.citus import citus_sharding, citus_state
from pg_tenants.migrations.cloning import clone_schema
from sandbox.catalog.models import Category
from sandbox.customers.models import Client
from sandbox.notes.models import Note

ROOT = Path(__file__).resolve().parents[3]


def test_the_citus_suite_without_a_cluster_fails_and_says_how_to_give_one():
    env = {key: value for key, value in os.environ.items() if key != "CITUS_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "scripts/citus_tests.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "CITUS_DATABASE_URL is not set" in done.stderr
    assert "hatch run citus:test" in done.stderr and "citus_add_node" in done.stderr


@pytest.mark.django_db
def test_a_plain_server_is_not_taken_for_citus():
    state = citus_state()
    assert state.version is None and not state.schema_sharding
    assert not citus_sharding()
    ids = {message.id for message in run_checks(databases=["default"], include_deployment_checks=False)}
    assert not ids & {"pg_tenants_migrations.W002", "pg_tenants_migrations.W003", "pg_tenants_migrations.E005"}


@pytest.mark.django_db
@pytest.mark.parametrize("command", [("tenant_placement",), ("move_tenant", "acme", "127.0.0.1:9701")])
def test_citus_commands_on_a_plain_server_name_the_cause(command):
    with pytest.raises(CommandError, match="not a Citus coordinator: the citus extension is not installed"):
        call_command(*command)


@pytest.mark.usefixtures("fresh_schemas")
def test_a_clone_on_a_plain_server_keeps_every_foreign_key_and_sequence():
    source = Client.objects.create(schema_name="pc_source")
    category, _ = Category.objects.get_or_create(name="pc-shared")
    with tenant_context(source):
        Note.objects.create(title="one", category=category)
    assert clone_schema("pc_source", "pc_copy") is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = 'pc_copy.notes_note'::regclass"
        )
        assert len(cursor.fetchall()) == 1
        cursor.execute("INSERT INTO pc_copy.notes_note (title) VALUES ('two') RETURNING id")
        assert cursor.fetchone()[0] == 2
        cursor.execute("DROP SCHEMA pc_copy CASCADE")
