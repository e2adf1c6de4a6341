"""The helpers projects use to test code that runs in a tenant."""

from __future__ import annotations

import pytest

from pg_tenants.core import get_current_schema_name
from pg_tenants.core.signals import schema_created
from pg_tenants.core.testing import TenantTestCase, get_test_tenant
from sandbox.notes.models import Note

created: list[str] = []


def _record(sender, schema_name, **kwargs):
    created.append(schema_name)


schema_created.connect(_record, weak=False)


class NotesTests(TenantTestCase):
    tenant_schema_name = "helper_tenant"

    @classmethod
    def setUpTestData(cls):
        cls.note = Note.objects.create(title="from setUpTestData")

    def test_runs_in_the_tenant_schema(self):
        self.assertEqual(get_current_schema_name(), "helper_tenant")
        self.assertEqual(list(Note.objects.values_list("title", flat=True)), ["from setUpTestData"])

    def test_client_reaches_the_tenant(self):
        response = self.client.get("/notes/")
        self.assertEqual(response.json(), {"tenant": "helper_tenant", "notes": ["from setUpTestData"]})

    def test_changes_are_rolled_back_between_tests_1(self):
        Note.objects.create(title="temporary")
        self.assertEqual(Note.objects.count(), 2)

    def test_changes_are_rolled_back_between_tests_2(self):
        self.assertEqual(Note.objects.count(), 1)


class MoreNotesTests(TenantTestCase):
    tenant_schema_name = "helper_tenant"

    def test_same_schema_reused_not_recreated(self):
        self.assertEqual(created.count("helper_tenant"), 1)
        self.assertEqual(self.tenant.pk, get_test_tenant("helper_tenant").pk)
        self.assertFalse(Note.objects.exists())  # setUpTestData of the other class was rolled back


def test_pytest_fixtures(tenant, tenant_client):
    assert get_current_schema_name() == tenant.schema_name == "test_tenant"
    Note.objects.create(title="fixture note")
    assert tenant_client.get("/notes/").json() == {"tenant": "test_tenant", "notes": ["fixture note"]}


@pytest.mark.django_db
def test_pytest_fixture_leaves_nothing_active_afterwards():
    assert get_current_schema_name() == "public"


@pytest.mark.django_db
def test_tenant_client_uses_https_when_the_resolver_links_over_https(acme_globex, settings):
    from pg_tenants.core.testing import TenantClient

    settings.TENANT_RESOLVER = "sandbox.resolvers.SecureSlugHostResolver"
    settings.ROOT_URLCONF = "sandbox.urls"
    response = TenantClient(acme_globex[0]).get("/whoami/")
    assert response.wsgi_request.is_secure()
    assert response.wsgi_request.build_absolute_uri() == "https://acme.tenants.test/whoami/"


@pytest.mark.django_db
def test_tenant_client_sends_the_chains_headers(acme_globex, settings):
    from pg_tenants.core.testing import TenantClient

    settings.TENANT_RESOLVER = ["sandbox.resolvers.HeaderOnlyResolver", "sandbox.resolvers.SlugHostResolver"]
    # The host says public; only the header names globex.
    response = TenantClient(acme_globex[1]).get("/notes/")
    assert response.json()["tenant"] == "globex"
