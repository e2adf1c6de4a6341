"""Tenants on different Citus nodes, served through the coordinator: each request sees its own tenant only."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient

from pg_tenants.core import tenant_context
from pg_tenants.migrations.citus import move_tenant_schema, shard_nodes, tenant_placements
from sandbox.customers.models import Client
from sandbox.notes.models import Note

pytestmark = pytest.mark.usefixtures("citus")


def place(schema: str, node: str) -> None:
    (where,) = tenant_placements([schema])
    if where.node != node:
        move_tenant_schema(schema, node, transfer_mode="block_writes")


def workers() -> list[str]:
    found = [str(n) for n in shard_nodes() if not n.coordinator]
    assert len(found) >= 2, "the cluster needs two workers that can hold shards"
    return found


def test_requests_interleaved_over_one_connection_see_only_their_tenant():
    first, second = workers()[:2]
    tenants = {}
    for name, node in (("cz_acme", first), ("cz_globex", second)):
        tenants[name] = Client.objects.create(schema_name=name)
        with tenant_context(tenants[name]):
            Note.objects.bulk_create(Note(title=f"{name}-{i}") for i in range(3))
        place(name, node)
    assert {p.schema_name: p.node for p in tenant_placements(list(tenants))} == {"cz_acme": first, "cz_globex": second}
    clients = {name: HttpClient(HTTP_HOST=f"{t.slug}.tenants.test") for name, t in tenants.items()}
    for _ in range(10):
        for name, client in clients.items():
            body = client.get("/notes/").json()
            assert body["tenant"] == name
            assert sorted(body["notes"]) == [f"{name}-{i}" for i in range(3)]


def test_a_tenant_keeps_taking_writes_while_it_moves():
    tenant = Client.objects.create(schema_name="cz_busy")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("INSERT INTO notes_note (title) SELECT 'seed' FROM generate_series(1, 20000)")
    (where,) = tenant_placements(["cz_busy"])
    target = next(n for n in workers() if n != where.node)
    failures: list[BaseException] = []

    def move() -> None:
        try:
            move_tenant_schema("cz_busy", target, transfer_mode="force_logical")
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    mover = threading.Thread(target=move)
    mover.start()
    written = 0
    while mover.is_alive():
        with tenant_context(tenant):
            Note.objects.create(title=f"during-{written}")
        written += 1
    mover.join()
    assert not failures, failures
    assert tenant_placements(["cz_busy"])[0].node == target
    with tenant_context(tenant):
        seen = Note.objects.filter(title__startswith="during-").count()
    # Every acknowledged write is there, seen from this session and from a new one.
    assert (seen, fresh_count("cz_busy")) == (written, written) and written > 0, placements_now("cz_busy")
    with tenant_context(tenant):
        assert Note.objects.count() == 20000 + written


def fresh_count(schema: str) -> int:
    """Rows titled ``during-*``, counted over a connection of its own (no session state shared)."""
    from django.db import connections

    counted: list[int] = []

    def count() -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{schema}".notes_note WHERE title LIKE %s', ["during-%"])
                counted.append(cursor.fetchone()[0])
        finally:
            connections["default"].close()

    reader = threading.Thread(target=count)
    reader.start()
    reader.join()
    return counted[0]


def placements_now(schema: str) -> list[tuple[str, str]]:
    """Every placement Citus lists for the schema's tables, orphaned ones included, for the failure message."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.shardid::text, n.nodename || ':' || n.nodeport FROM pg_dist_placement s "
            "JOIN pg_dist_node n ON n.groupid = s.groupid JOIN pg_dist_shard d ON d.shardid = s.shardid "
            "WHERE d.logicalrelid::text LIKE %s",
            [f"{schema}.%"],
        )
        return cursor.fetchall()
