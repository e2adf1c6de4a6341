"""``tenant_placement`` and ``move_tenant``: where tenants live, and moving one to another node."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError
from django.db import connection

from pg_tenants.core import tenant_context
from pg_tenants.migrations.citus import is_distributed_schema, shard_nodes, tenant_placements
from sandbox.customers.models import Client
from sandbox.notes.models import Note

from .conftest import run, table_counts

pytestmark = pytest.mark.usefixtures("citus")


def other_node(schema: str) -> str:
    (place,) = tenant_placements([schema])
    nodes = [str(node) for node in shard_nodes() if str(node) != place.node]
    assert nodes, "the cluster needs a second node that can hold shards"
    return nodes[0]


def test_placement_lists_each_tenant_with_its_node_and_tables():
    Client.objects.create(schema_name="cz_place")
    rows = json.loads(run("tenant_placement", format="json"))
    (row,) = [r for r in rows if r["schema"] == "cz_place"]
    assert row["distributed"] and row["node"] in {str(n) for n in shard_nodes()}
    assert row["tables"] == table_counts("cz_place")[0]
    table = run("tenant_placement", schema=["cz_place"])
    assert "cz_place" in table and row["node"] in table and "1 tenant(s)." in table


def test_placement_refuses_an_unknown_tenant():
    with pytest.raises(CommandError, match="No tenant has schema 'cz_nobody'"):
        run("tenant_placement", schema=["cz_nobody"])


def test_a_dry_run_says_what_would_move_and_moves_nothing():
    Client.objects.create(schema_name="cz_dry")
    (before,) = tenant_placements(["cz_dry"])
    target = other_node("cz_dry")
    out = run("move_tenant", "cz_dry", target, dry_run=True)
    assert f"Would move cz_dry ({before.tables} tables" in out and f"from {before.node} to {target}" in out
    assert tenant_placements(["cz_dry"]) == [before]


def test_a_moved_tenant_lives_on_the_new_node_and_keeps_working():
    tenant = Client.objects.create(schema_name="cz_move")
    with tenant_context(tenant):
        Note.objects.bulk_create(Note(title=f"n{i}") for i in range(50))
    target = other_node("cz_move")
    out = run("move_tenant", "cz_move", target, mode="block_writes", progress_interval=0.01)
    assert f"Moved cz_move to {target}" in out
    (after,) = tenant_placements(["cz_move"])
    assert after.node == target
    with tenant_context(tenant):
        assert Note.objects.count() == 50
        Note.objects.create(title="after the move")
        assert Note.objects.filter(title="after the move").count() == 1
    assert "already" in run("move_tenant", "cz_move", target)


def test_move_names_the_nodes_when_the_target_is_unknown():
    Client.objects.create(schema_name="cz_lost")
    with pytest.raises(CommandError, match=r"No Citus node that can hold tenants is 'nowhere:1'; nodes: .*:\d+"):
        run("move_tenant", "cz_lost", "nowhere:1")


def test_move_refuses_a_schema_no_tenant_has():
    with pytest.raises(CommandError, match="No tenant has schema 'cz_nobody'"):
        run("move_tenant", "cz_nobody", str(shard_nodes()[0]))


def test_distribute_turns_tenants_made_before_citus_into_placeable_ones():
    # A tenant made while sharding was off for the session (as before Citus was set up)...
    with connection.cursor() as cursor:
        cursor.execute("SET citus.enable_schema_based_sharding = off")
    try:
        from pg_tenants.migrations.citus import forget_citus_state

        forget_citus_state()
        Client.objects.create(schema_name="cz_before")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET citus.enable_schema_based_sharding = on")
        forget_citus_state()
    assert not is_distributed_schema("cz_before")
    assert "(not distributed)" in run("tenant_placement", schema=["cz_before"])
    out = run("tenant_placement", schema=["cz_before"], distribute=True)
    assert "Distributed 1 schema(s): cz_before." in out
    total, distributed = table_counts("cz_before")
    assert is_distributed_schema("cz_before") and distributed == total > 0


def test_a_move_reports_its_progress():
    tenant = Client.objects.create(schema_name="cz_progress")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("INSERT INTO notes_note (title) SELECT repeat('x', 190) FROM generate_series(1, 40000)")
    (place,) = tenant_placements(["cz_progress"])
    out = run("move_tenant", "cz_progress", other_node("cz_progress"), progress_interval=0.05)
    lines = [line for line in out.splitlines() if line.strip().startswith("copied")]
    assert lines, out
    total = f"of {place.size_bytes / 1_000_000:.1f} MB"
    assert all(total in line for line in lines), (total, lines)


def test_distribute_repairs_a_tenant_cloned_before_the_library_knew_citus():
    # What a clone did before: one function call with sharding on, so a distributed schema of local tables.
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.pg_tenants_clone_schema('_pg_tenants_template', 'cz_old', true)")
        cursor.execute("INSERT INTO cz_old.notes_note (title) VALUES ('kept')")
    Client.objects.bulk_create([Client(schema_name="cz_old", slug="cz-old")])  # the row, without provisioning
    total, distributed = table_counts("cz_old")
    assert is_distributed_schema("cz_old") and distributed < total
    with pytest.raises(CommandError, match="has no distributed tables|nothing to move"):
        run("move_tenant", "cz_old", str(shard_nodes()[-1]))
    out = run("tenant_placement", schema=["cz_old"], distribute=True)
    assert "Distributed 1 schema(s): cz_old." in out
    total, distributed = table_counts("cz_old")
    assert is_distributed_schema("cz_old") and distributed == total > 0
    tenant = Client.objects.get(schema_name="cz_old")
    with tenant_context(tenant):
        assert list(Note.objects.values_list("title", flat=True)) == ["kept"]
        Note.objects.create(title="after")  # the sequence went on from the copied one
    run("move_tenant", "cz_old", other_node("cz_old"))


def test_a_move_inside_a_transaction_is_refused_at_once():
    from django.db import transaction

    from pg_tenants.migrations.citus import CitusError, move_tenant_schema

    # Right after a sign-up in the same transaction: refused, and the sign-up rolls back with it.
    with pytest.raises(CitusError, match="cannot run inside a transaction"), transaction.atomic():
        Client.objects.create(schema_name="cz_intx")
        move_tenant_schema("cz_intx", str(shard_nodes()[-1]))
    assert not Client.objects.filter(schema_name="cz_intx").exists()
