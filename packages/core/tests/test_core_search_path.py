"""The backend sets search_path only when needed, and never leaves a query in the wrong schema."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from pg_tenants.core import public_context, schema_context, tenant_context
from pg_tenants.core.testing import CaptureSearchPath
from sandbox.notes.models import Note

pytestmark = pytest.mark.django_db

# Django 6.1 renamed transaction.savepoint() to savepoint_create().
savepoint_create = getattr(transaction, "savepoint_create", None) or transaction.savepoint


def titles() -> list[str]:
    return list(Note.objects.order_by("title").values_list("title", flat=True))


def set_statements(ctx: CaptureSearchPath) -> list[str]:
    return ctx.paths


def test_one_set_per_switch_and_none_when_unchanged(seeded):
    acme, globex = seeded
    with tenant_context(acme):
        titles()  # settle the connection on acme
        with CaptureQueriesContext(connection) as ctx, CaptureSearchPath(connection) as paths:
            titles()
            titles()
        assert set_statements(paths) == []
        assert len(ctx) == 2
    with tenant_context(globex), CaptureQueriesContext(connection) as ctx, CaptureSearchPath(connection) as paths:
        assert titles() == ["globex-note"]
        titles()
    assert set_statements(paths) == ["globex,public"]
    assert len(ctx) == 2  # the path statement is not an application query (assertNumQueries)


def test_savepoint_rollback_forgets_the_set_made_inside_it(seeded):
    acme, globex = seeded
    with transaction.atomic():
        with tenant_context(acme):
            assert titles() == ["acme-note"]
        with tenant_context(globex):
            with pytest.raises(ZeroDivisionError), transaction.atomic():
                assert titles() == ["globex-note"]  # SET globex inside the savepoint
                raise ZeroDivisionError
            # PostgreSQL undid that SET: the session is back on acme. A backend
            # that still believed "globex" would run this read in acme's schema.
            assert titles() == ["globex-note"]
        with tenant_context(acme):
            assert titles() == ["acme-note"]


def test_explicit_savepoint_rollback(seeded):
    acme, globex = seeded
    with transaction.atomic():
        with tenant_context(acme):
            titles()
            sid = savepoint_create()  # session on acme when the savepoint is taken
        with tenant_context(globex):
            assert titles() == ["globex-note"]  # SET globex, inside the savepoint
            transaction.savepoint_rollback(sid)  # PostgreSQL puts the session back on acme
            # The django-tenants < 4.0.1 bug: believing the session is still on
            # globex, skip the SET and read acme's rows.
            assert titles() == ["globex-note"]


def test_atomic_block_rolled_back_in_another_tenant(seeded):
    acme, globex = seeded
    with transaction.atomic():
        with tenant_context(acme):
            titles()
            block = transaction.atomic()
            block.__enter__()  # a savepoint taken while acme is active
        with tenant_context(globex):
            titles()
            block.__exit__(ZeroDivisionError, ZeroDivisionError(), None)  # rolled back while globex is active
            assert titles() == ["globex-note"]


def test_savepoint_commit_keeps_the_path_known(seeded):
    acme, globex = seeded
    with transaction.atomic(), tenant_context(globex):
        with transaction.atomic():
            titles()
        with CaptureSearchPath(connection) as ctx:
            assert titles() == ["globex-note"]
    assert set_statements(ctx) == []


@pytest.mark.django_db(transaction=True)
def test_full_rollback_forgets_the_set(acme_globex):
    acme, globex = acme_globex
    with tenant_context(acme):
        Note.objects.create(title="acme-committed")
    with tenant_context(globex):
        Note.objects.create(title="globex-committed")
    with tenant_context(acme):
        titles()
    try:
        with transaction.atomic(), tenant_context(globex):
            assert titles() == ["globex-committed"]
            raise RuntimeError
    except RuntimeError:
        pass
    with tenant_context(globex):
        assert titles() == ["globex-committed"]
    with tenant_context(acme):
        assert titles() == ["acme-committed"]
    for tenant in (acme, globex):
        with tenant_context(tenant):
            Note.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_error_inside_transaction_then_rollback(acme_globex):
    acme, globex = acme_globex
    with tenant_context(acme):
        Note.objects.create(title="acme-x")
    with tenant_context(acme):
        titles()
    with pytest.raises(DatabaseError), transaction.atomic(), tenant_context(globex):
        titles()
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    with tenant_context(acme):
        assert titles() == ["acme-x"]
        Note.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_reconnect_starts_in_active_schema_without_a_set(acme_globex):
    acme, globex = acme_globex
    with tenant_context(acme):
        Note.objects.create(title="acme-reconnect")
    connection.close()
    with tenant_context(acme), CaptureSearchPath(connection) as ctx:
        assert titles() == ["acme-reconnect"]
    # The path travelled with the start-up packet of the new connection.
    assert set_statements(ctx) == []
    connection.close()
    with tenant_context(globex):
        assert titles() == []
    with tenant_context(acme):
        Note.objects.all().delete()


def test_server_side_cursor_keeps_the_schema_it_started_in(seeded):
    acme, globex = seeded
    with tenant_context(acme):
        for i in range(5):
            Note.objects.create(title=f"acme-{i}")
        rows = Note.objects.order_by("title").values_list("title", flat=True).iterator(chunk_size=2)
        first = next(rows)
    with tenant_context(globex):
        assert titles() == ["globex-note"]  # moves the session to globex
        rest = list(rows)  # fetches more chunks from the cursor declared in acme
    assert [first, *rest] == ["acme-0", "acme-1", "acme-2", "acme-3", "acme-4", "acme-note"]


def test_introspection_sees_only_the_current_schema(seeded):
    acme, _ = seeded
    with tenant_context(acme):
        tables = connection.introspection.table_names()
        assert "notes_note" in tables
        assert "customers_client" not in tables  # lives in public
        assert connection.introspection.get_constraints(connection.cursor(), "customers_client") == {}
    with public_context():
        tables = connection.introspection.table_names()
        assert "customers_client" in tables
        assert "notes_note" not in tables


def test_raw_cursor_follows_context(seeded):
    acme, globex = seeded
    with connection.cursor() as cursor:
        with tenant_context(acme):
            cursor.execute("SELECT current_schema(), (SELECT title FROM notes_note)")
            assert cursor.fetchone() == ("acme", "acme-note")
        with schema_context("globex"):
            cursor.execute("SELECT current_schema(), (SELECT title FROM notes_note)")
            assert cursor.fetchone() == ("globex", "globex-note")
        cursor.execute("SELECT current_schema()")
        assert cursor.fetchone() == ("public",)


def test_executemany_runs_in_active_schema(seeded):
    acme, globex = seeded
    with tenant_context(globex), connection.cursor() as cursor:
        cursor.executemany("INSERT INTO notes_note (title) VALUES (%s)", [("g1",), ("g2",)])
    with tenant_context(globex):
        assert titles() == ["g1", "g2", "globex-note"]
    with tenant_context(acme):
        assert titles() == ["acme-note"]


def test_database_error_in_inner_block_of_another_tenant_can_be_recovered(seeded):
    acme, globex = seeded
    with transaction.atomic(), tenant_context(acme):
        titles()
        try:
            with transaction.atomic(), tenant_context(globex), connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")
        except DatabaseError:
            pass
        # The transaction was rolled back to the savepoint and goes on, in acme.
        assert titles() == ["acme-note"]
        Note.objects.create(title="after-recovery")
    with tenant_context(acme):
        assert titles() == ["acme-note", "after-recovery"]
