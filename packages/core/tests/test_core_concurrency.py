"""Threads and asyncio tasks interleaving two tenants never read each other's rows."""

from __future__ import annotations

import asyncio
import random
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections

from pg_tenants.core import get_current_schema_name, tenant_context
from sandbox.notes.models import Note

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 20


@pytest.fixture
def committed_notes(acme_globex):
    acme, globex = acme_globex
    for tenant in (acme, globex):
        with tenant_context(tenant):
            Note.objects.bulk_create(Note(title=f"{tenant.schema_name}-{i}") for i in range(3))
    yield acme, globex
    for tenant in (acme, globex):
        with tenant_context(tenant):
            Note.objects.all().delete()


def test_fifty_threads_interleaving_two_tenants(committed_notes):
    tenants = committed_notes
    errors: list[str] = []
    barrier = threading.Barrier(50)

    def worker(n: int) -> None:
        rng = random.Random(n)
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                tenant = rng.choice(tenants)
                with tenant_context(tenant):
                    seen = set(Note.objects.values_list("title", flat=True))
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT current_schema()")
                        schema = cursor.fetchone()[0]
                prefix = tenant.schema_name + "-"
                if schema != tenant.schema_name or not seen or any(not t.startswith(prefix) for t in seen):
                    errors.append(f"thread {n} in {tenant.schema_name} saw {schema} {sorted(seen)}")
        except Exception as exc:  # collected, not lost in the thread
            errors.append(f"thread {n}: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert get_current_schema_name() == "public"  # nothing leaked into the main thread


async def test_fifty_async_tasks_interleaving_two_tenants(committed_notes):
    tenants = committed_notes
    errors: list[str] = []

    async def task(n: int) -> None:
        rng = random.Random(n)
        for _ in range(ROUNDS):
            tenant = rng.choice(tenants)
            async with tenant_context(tenant):
                await asyncio.sleep(0)  # let other tasks switch tenants in between
                seen = [title async for title in Note.objects.values_list("title", flat=True)]
                await asyncio.sleep(0)
                count = await Note.objects.filter(title__startswith=tenant.schema_name + "-").acount()
            prefix = tenant.schema_name + "-"
            if count != 3 or any(not t.startswith(prefix) for t in seen):
                errors.append(f"task {n} in {tenant.schema_name} saw {seen} ({count})")

    try:
        await asyncio.gather(*(task(n) for n in range(50)))
    finally:
        # The async ORM ran in asgiref's sync thread; close its connection there.
        await sync_to_async(connections.close_all)()
    assert errors == []
