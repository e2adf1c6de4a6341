"""Rows written in one tenant are invisible from every other schema."""

from __future__ import annotations

import pytest
from django.db import connection

from pg_tenants.core import schema_context, tenant_context
from pg_tenants.core.testing import get_test_tenant
from sandbox.catalog.models import Category
from sandbox.notes.models import Note


@pytest.fixture(scope="module")
def two_tenants(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return get_test_tenant("iso_a"), get_test_tenant("iso_b")


@pytest.mark.django_db
def test_rows_stay_in_their_tenant(two_tenants):
    a, b = two_tenants
    with tenant_context(a):
        Note.objects.create(title="a-only")
    with tenant_context(b):
        Note.objects.create(title="b-only")
        assert list(Note.objects.values_list("title", flat=True)) == ["b-only"]
    with tenant_context(a):
        assert list(Note.objects.values_list("title", flat=True)) == ["a-only"]
    # public has no notes table at all: a query there fails instead of leaking
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.notes_note')")
        assert cursor.fetchone()[0] is None


@pytest.mark.django_db
def test_shared_rows_visible_from_every_tenant(two_tenants):
    a, b = two_tenants
    Category.objects.create(name="shared")
    for tenant in (a, b):
        with tenant_context(tenant):
            assert Category.objects.filter(name="shared").exists()
            note = Note.objects.create(title="x", category=Category.objects.get(name="shared"))
            assert note.category.name == "shared"


@pytest.mark.django_db
def test_schema_context_by_name(two_tenants):
    with schema_context("iso_a"):
        Note.objects.create(title="by-name")
    with tenant_context(two_tenants[0]):
        assert Note.objects.filter(title="by-name").exists()
    with tenant_context(two_tenants[1]):
        assert not Note.objects.filter(title="by-name").exists()


@pytest.mark.django_db
def test_content_type_cache_is_kept_per_schema(two_tenants):
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    apps.clear_cache()  # Django remakes its managers from the originals: the keyed cache must survive
    a, b = two_tenants
    with tenant_context(a):
        ContentType.objects.clear_cache()
        ct_a = ContentType.objects.get_for_model(Note)
    with tenant_context(b):
        # Give b's row for the same model another id, as happens when schemas
        # were migrated in different orders.
        ContentType.objects.filter(app_label="notes", model="note").update(id=ct_a.pk + 1000)
        ct_b = ContentType.objects.get_for_model(Note)
        assert ct_b.pk == ct_a.pk + 1000
    with tenant_context(a):
        assert ContentType.objects.get_for_model(Note).pk == ct_a.pk
