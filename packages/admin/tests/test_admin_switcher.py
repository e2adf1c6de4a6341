"""The tenant switcher with Django's test client: who sees it, what it changes, what it refuses."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from pg_tenants.admin.switching import SESSION_KEY
from pg_tenants.admin.testing import switch_admin_tenant as switch
from pg_tenants.core import tenant_context
from sandbox.notes.models import Note

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_superuser_switches_and_admin_reads_that_tenant(two_tenants, superuser, public_client):
    a, b = two_tenants
    with tenant_context(a):
        Note.objects.create(title="only in A")
    client = public_client(superuser)
    page = client.get("/admin/").content.decode()
    assert 'id="pg-tenants-switcher"' in page and "adm_a" in page and "adm_b" in page
    response = switch(client, "adm_a")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(a.pk)
    page = client.get("/admin/notes/note/").content.decode()
    assert "only in A" in page
    assert 'id="pg-tenants-current-name">Acme (adm_a)<' in page
    assert "http://adm-a.tenants.test/" in page  # the tenant's own site, from the resolver
    switch(client, "adm_b")
    assert "only in A" not in client.get("/admin/notes/note/").content.decode()
    switch(client, "")
    assert SESSION_KEY not in client.session
    assert 'id="pg-tenants-current-name">public<' in client.get("/admin/").content.decode()
