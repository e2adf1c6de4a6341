"""The tenant switcher with Django's test client: who sees it, what it changes, what it refuses."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from pg_tenants.admin.switching import SESSION_KEY
from pg_tenants.admin.testing import post_in_admin
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


def _csrf_client(public_client, user):
    client = public_client(user, enforce_csrf_checks=True)
    client.get("/admin/")
    return client, client.cookies["csrftoken"].value


def test_staff_without_permission_sees_no_switcher_and_forged_switch_is_403(two_tenants, staff, public_client):
    client, token = _csrf_client(public_client, staff)
    page = client.get("/admin/").content.decode()
    assert "pg-tenants-switcher" not in page
    response = switch(client, "adm_a", csrfmiddlewaretoken=token)
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    # Notes still cannot be reached from public: nothing was switched.
    assert client.get("/admin/notes/note/")["Location"] == "/admin/"


def test_switch_without_csrf_token_is_403(two_tenants, superuser, public_client):
    client, _ = _csrf_client(public_client, superuser)
    assert switch(client, "adm_a").status_code == 403
    assert SESSION_KEY not in client.session


def test_switch_with_csrf_token_works_for_user_with_permission(two_tenants, switcher, public_client):
    client, token = _csrf_client(public_client, switcher)
    assert 'id="pg-tenants-switcher"' in client.get("/admin/").content.decode()
    assert switch(client, "adm_b", csrfmiddlewaretoken=token).status_code == 302
    assert client.session[SESSION_KEY] == str(two_tenants[1].pk)
    assert client.get("/admin/notes/note/").status_code == 200


def test_tenant_app_model_from_public_redirects_with_message(superuser, public_client):
    client = public_client(superuser)
    response = client.get("/admin/notes/note/", follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "Notes live in each tenant's schema: choose a tenant in the header" in _messages(response)[0]


def test_unknown_tenant_name_changes_nothing(two_tenants, superuser, public_client):
    client = public_client(superuser)
    switch(client, "adm_a")
    response = switch(client, "nope", follow=True)
    assert any("No tenant “nope” that you may enter" in m for m in _messages(response))
    assert client.session[SESSION_KEY] == str(two_tenants[0].pk)


def test_next_keeps_lists_and_refuses_other_hosts(two_tenants, superuser, public_client):
    client = public_client(superuser)
    assert switch(client, "adm_a", next="/admin/notes/note/?q=x")["Location"] == "/admin/notes/note/?q=x"
    assert switch(client, "adm_b", next="https://evil.example/")["Location"] == "/admin/"


@pytest.mark.parametrize("value", ["not-a-number", "999999", "", "[1]"])
def test_tampered_session_value_falls_back_to_public(two_tenants, superuser, public_client, value):
    client = public_client(superuser)
    session = client.session
    session[SESSION_KEY] = value
    session.save()
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert 'id="pg-tenants-current-name">public<' in response.content.decode()
    assert any("back in public" in m for m in _messages(response))
    assert SESSION_KEY not in client.session


def test_public_tenant_cannot_be_chosen(superuser, public_client, django_user_model):
    from pg_tenants.core import get_tenant_model

    public = get_tenant_model().objects.create(schema_name="public", slug="www")
    client = public_client(superuser)
    switch(client, "public")
    assert SESSION_KEY not in client.session
    session = client.session
    session[SESSION_KEY] = str(public.pk)
    session.save()
    assert 'id="pg-tenants-current-name">public<' in client.get("/admin/", follow=True).content.decode()
    assert SESSION_KEY not in client.session


def test_deleted_tenant_falls_back_to_public_with_message(superuser, public_client):
    from pg_tenants.core import get_tenant_model

    gone = get_tenant_model().objects.create(schema_name="adm_gone")
    client = public_client(superuser)
    switch(client, "adm_gone")
    assert client.get("/admin/notes/note/").status_code == 200
    gone.delete()
    response = client.get("/admin/notes/note/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/admin/", 302)]
    text = " ".join(_messages(response))
    assert "no longer exists, is inactive or is closed to you: the admin is back in public" in text


def test_deactivated_tenant_falls_back_to_public(two_tenants, superuser, public_client):
    a, _ = two_tenants
    client = public_client(superuser)
    switch(client, "adm_a")
    type(a).objects.filter(pk=a.pk).update(is_active=False)
    response = client.get("/admin/", follow=True)
    assert 'id="pg-tenants-current-name">public<' in response.content.decode()
    assert SESSION_KEY not in client.session


def test_revoked_permission_clears_choice(two_tenants, switcher, public_client):
    client = public_client(switcher)
    switch(client, "adm_a")
    assert client.session[SESSION_KEY] == str(two_tenants[0].pk)
    switcher.user_permissions.remove(*switcher.user_permissions.filter(codename="switch_tenant"))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert "You may no longer switch the admin to a tenant: the admin is back in public." in _messages(response)
    assert "pg-tenants-switcher" not in response.content.decode()
    assert SESSION_KEY not in client.session


def only_bravo(user, queryset):
    return queryset.filter(schema_name="adm_b")


def test_tenants_for_user_hook_limits_list_and_switch(two_tenants, switcher, public_client, settings):
    settings.TENANT_ADMIN_TENANTS_FOR_USER = f"{__name__}.only_bravo"
    client = public_client(switcher)
    page = client.get("/admin/").content.decode()
    assert '<option value="adm_b"' in page and '<option value="adm_a"' not in page
    switch(client, "adm_a")
    assert SESSION_KEY not in client.session
    switch(client, "adm_b")
    assert client.session[SESSION_KEY] == str(two_tenants[1].pk)


def test_many_tenants_get_a_search_box(two_tenants, superuser, public_client, settings):
    settings.TENANT_ADMIN_SEARCH_THRESHOLD = 1
    page = public_client(superuser).get("/admin/").content.decode()
    assert 'type="search" id="pg-tenants-choice"' in page and '<datalist id="pg-tenants-list">' in page
    settings.TENANT_ADMIN_SEARCH_THRESHOLD = 20
    assert '<select id="pg-tenants-choice"' in public_client(superuser).get("/admin/").content.decode()


def test_custom_admin_site(two_tenants, superuser, public_client):
    a, _ = two_tenants
    with tenant_context(a):
        Note.objects.create(title="ops note")
    client = public_client(superuser)
    page = client.get("/ops/").content.decode()
    assert "Sandbox operations" in page and 'action="/ops/"' in page
    assert switch(client, "adm_a", admin_url="/ops/")["Location"] == "/ops/"
    assert "ops note" in client.get("/ops/notes/note/").content.decode()


def test_shared_models_stay_in_public_and_history_stays_in_tenant(two_tenants, superuser, public_client):
    from django.contrib.admin.models import LogEntry

    from sandbox.catalog.models import Category

    a, b = two_tenants
    client = public_client(superuser)
    switch(client, "adm_a")
    assert post_in_admin(client, "/admin/catalog/category/add/", {"name": "made-in-a"}).status_code == 302
    assert post_in_admin(client, "/admin/notes/note/add/", {"title": "admin-added"}).status_code == 302
    # Category is shared: written to public, visible everywhere.
    assert Category.objects.filter(name="made-in-a").exists()
    with tenant_context(b):
        assert Category.objects.filter(name="made-in-a").exists()
        assert not Note.objects.filter(title="admin-added").exists()
    with tenant_context(a):
        note = Note.objects.get(title="admin-added")
        # The history is A's own (django.contrib.admin in TENANT_APPS).
        assert LogEntry.objects.filter(object_repr="admin-added", content_type__model="note").count() == 1
    assert not LogEntry.objects.filter(object_repr="admin-added").exists()
    history = client.get(f"/admin/notes/note/{note.pk}/history/").content.decode()
    assert "Added." in history
