"""Provisioning is all or nothing: a crash part-way leaves no schema and no row, and the tenant can be made again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from django.core.management import call_command
from django.db import connection

from pg_tenants.core.schema import schema_exists
from pg_tenants.core.signals import schema_created
from pg_tenants.core.testing.database import url_from_settings
from sandbox.customers.models import Client

pytestmark = pytest.mark.usefixtures("fresh_schemas")


def test_error_in_schema_created_receiver_leaves_nothing():
    call_command("migrate_schemas", verbosity=0)

    def explode(sender: object, **kwargs: object) -> None:
        raise RuntimeError("welcome e-mail service down")

    schema_created.connect(explode)
    try:
        with pytest.raises(RuntimeError, match="welcome e-mail"):
            Client.objects.create(schema_name="half_made")
    finally:
        schema_created.disconnect(explode)
    assert not schema_exists("half_made")
    assert not Client.objects.filter(schema_name="half_made").exists()
    Client.objects.create(schema_name="half_made")
    assert schema_exists("half_made")


def test_process_killed_mid_clone_leaves_nothing():
    call_command("migrate_schemas", verbosity=0)
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = url_from_settings(db)
    env["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    script = textwrap.dedent(
        """
        import sys, time, django
        django.setup()
        from pg_tenants.core.signals import schema_created
        from sandbox.customers.models import Client

        def stall(sender, schema_name, **kwargs):
            # the schema is cloned but the transaction is still open
            print("CLONED", schema_name, flush=True)
            time.sleep(60)

        schema_created.connect(stall)
        Client.objects.create(schema_name="killed_mid_way")
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip() == "CLONED killed_mid_way"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        if child.stdout:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    time.sleep(0.2)
    assert not schema_exists("killed_mid_way")
    assert not Client.objects.filter(schema_name="killed_mid_way").exists()
    tenant = Client.objects.create(schema_name="killed_mid_way")  # waits for the server to end the dead session
    assert schema_exists(tenant.schema_name)
