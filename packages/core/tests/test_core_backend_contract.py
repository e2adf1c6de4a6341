"""The backend keeps Django's contract for flushing: CASCADE only when Django asks for it.

Django's ``flush`` and ``TransactionTestCase`` teardown pass
``allow_cascade=False`` unless the test case limits ``available_apps``; then a
table outside the flushed list that references a flushed one must make
PostgreSQL refuse, never be emptied silently. The one addition: tables of
*other* schemas (tenant tables referencing shared ones) go with the flush.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import NotSupportedError, connection, transaction

from pg_tenants.core import tenant_context
from pg_tenants.core.registry import get_domain_model, get_tenant_model
from sandbox.catalog.models import Category
from sandbox.notes.models import Note

pytestmark = pytest.mark.django_db


def settle_constraints() -> None:
    # Rows written in the test's transaction leave deferred foreign-key checks
    # pending, and PostgreSQL refuses to TRUNCATE a table with pending checks;
    # a real teardown flushes after the test's transactions have committed.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def flush(tables: list[str], **options: bool) -> None:
    settle_constraints()
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, **options))


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


def teardown_flush(*, available_apps: bool = False) -> None:
    """What ``TransactionTestCase._fixture_teardown`` runs (here inside the test's transaction)."""
    settle_constraints()
    call_command(
        "flush",
        verbosity=0,
        interactive=False,
        reset_sequences=False,
        allow_cascade=available_apps,
        inhibit_post_migrate=True,
    )


@pytest.fixture
def categorised(seeded):
    """acme's note points at a shared category; globex's note at none."""
    acme, globex = seeded
    category = Category.objects.create(name="shared")
    with tenant_context(acme):
        Note.objects.update(category=category)
    return acme, globex


def test_sql_flush_is_djangos_statement():
    ops = connection.ops
    assert ops.sql_flush(no_style(), ["catalog_category"]) == ['TRUNCATE "catalog_category";']
    assert ops.sql_flush(no_style(), ["catalog_category"], reset_sequences=True, allow_cascade=True) == [
        'TRUNCATE "catalog_category" RESTART IDENTITY CASCADE;'
    ]
    assert ops.sql_flush(no_style(), []) == []


def test_a_referencing_table_of_the_same_schema_is_never_emptied_without_cascade(acme_globex):
    tenant_table = get_tenant_model()._meta.db_table
    domain_table = get_domain_model()._meta.db_table
    get_domain_model().objects.create(domain="contract.example", tenant=acme_globex[0], is_primary=False)
    domains = count(domain_table)
    assert domains > 0
    with pytest.raises(NotSupportedError, match="foreign key"), transaction.atomic():
        flush([tenant_table])  # the domain table references it and is not named
    assert count(domain_table) == domains
    assert count(tenant_table) > 0


def test_cascade_when_django_allows_it(acme_globex):
    domain_table = get_domain_model()._meta.db_table
    get_domain_model().objects.create(domain="contract.example", tenant=acme_globex[0], is_primary=False)
    flush([get_tenant_model()._meta.db_table], allow_cascade=True)
    assert count(domain_table) == 0


def test_tenant_tables_referencing_a_flushed_shared_table_go_with_it(categorised):
    acme, globex = categorised
    flush(["catalog_category"])
    assert not Category.objects.exists()
    for tenant in (acme, globex):
        with tenant_context(tenant):
            assert not Note.objects.exists()
    # Tenant tables with no foreign key into public keep their rows.
    assert count('"acme"."django_content_type"') > 0


def test_transaction_test_case_teardown_flushes_public_and_what_references_it(categorised):
    acme, _ = categorised
    content_types = count('"acme"."django_content_type"')
    teardown_flush()
    assert count(get_tenant_model()._meta.db_table) == 0
    assert not Category.objects.exists()
    with tenant_context(acme):
        assert not Note.objects.exists()
    assert count('"acme"."django_content_type"') == content_types


def test_teardown_with_available_apps_still_cascades(categorised):
    teardown_flush(available_apps=True)
    assert count(get_domain_model()._meta.db_table) == 0


def test_teardown_in_a_tenant_flushes_that_tenant_only(categorised):
    acme, globex = categorised
    with tenant_context(acme):
        teardown_flush()
        assert not Note.objects.exists()
    assert Category.objects.filter(name="shared").exists()
    with tenant_context(globex):
        assert Note.objects.count() == 1
