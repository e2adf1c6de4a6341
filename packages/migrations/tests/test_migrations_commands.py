"""create_tenant, clone_tenant, delete_tenant, rename_tenant, tenant_command, all_tenants_command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pg_tenants.core import schema_context
from pg_tenants.core.schema import schema_exists
from sandbox.customers.models import Client, Domain
from sandbox.notes.models import Note

pytestmark = pytest.mark.usefixtures("fresh_schemas")


def run(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_create_clone_rename_delete():
    run("migrate_schemas", verbosity=0)
    assert "Created tenant 'acme_co' (slug 'acme')" in run(
        "create_tenant", "acme_co", "--slug", "acme", "--domain", "ACME.example.com", "--set", "name=Acme Co"
    )
    acme = Client.objects.get(schema_name="acme_co")
    assert acme.name == "Acme Co" and Domain.objects.get(tenant=acme).domain == "acme.example.com"
    with schema_context("acme_co"):
        Note.objects.create(title="hello")

    run("clone_tenant", "acme_co", "acme_copy", "--set", "name=Copy")
    copy = Client.objects.get(schema_name="acme_copy")
    assert copy.name == "Copy" and copy.slug == "acme-copy"
    with schema_context("acme_copy"):
        assert list(Note.objects.values_list("title", flat=True)) == ["hello"]
        assert Note.objects.create(title="second").pk == 2  # sequence carried over

    run("rename_tenant", "acme_copy", "beta_co")
    renamed = Client.objects.get(pk=copy.pk)
    assert renamed.schema_name == "beta_co" and not schema_exists("acme_copy") and schema_exists("beta_co")
    with schema_context("beta_co"):
        assert Note.objects.count() == 2

    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("delete_tenant", "beta_co", stdin=io.StringIO("nope\n"), stdout=io.StringIO())
    assert schema_exists("beta_co")
    run("delete_tenant", "beta_co", "--noinput")
    assert not schema_exists("beta_co") and not Client.objects.filter(schema_name="beta_co").exists()


def test_commands_refuse_bad_input_and_change_nothing():
    run("migrate_schemas", verbosity=0)
    run("create_tenant", "taken")
    with pytest.raises(CommandError, match="already exists"):
        run("create_tenant", "taken")
    with pytest.raises(CommandError, match="is invalid"):
        run("create_tenant", "Bad-Name")
    with pytest.raises(CommandError, match="has no field 'colour'"):
        run("create_tenant", "other", "--set", "colour=red")
    with pytest.raises(CommandError, match="No tenant has schema 'ghost'"):
        run("delete_tenant", "ghost", "--noinput")
    with pytest.raises(CommandError, match="already exists"):
        run("rename_tenant", "taken", "taken")
    with pytest.raises(CommandError, match="--schema is required"):
        run("tenant_command", "check")
    assert not schema_exists("other") and Client.objects.filter(schema_name="taken").count() == 1


def test_tenant_command_and_all_tenants_command():
    run("migrate_schemas", verbosity=0)
    for name in ("t_one", "t_two", "t_three"):
        run("create_tenant", name)
        with schema_context(name):
            Note.objects.create(title=f"note of {name}")
    dumped = run("tenant_command", "dumpdata", "notes.note", schema="t_two")
    assert [row["fields"]["title"] for row in json.loads(dumped)] == ["note of t_two"]

    output = run("all_tenants_command", "dumpdata", "notes.note", jobs=2)
    for name in ("t_one", "t_two", "t_three"):
        assert f"=== {name}" in output and f"note of {name}" in output

    with pytest.raises(CommandError, match=r"failed in 3 tenant\(s\)"):
        run("all_tenants_command", "dumpdata", "nosuchapp", stderr=io.StringIO())
