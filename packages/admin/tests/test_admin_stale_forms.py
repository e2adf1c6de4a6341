"""A form opened for one tenant is never saved into another (two tabs, one session).

The session's choice is shared by every tab, and ids repeat across schemas:
tab 1 opens Acme's note 9001, tab 2 switches the admin to Bravo, tab 1
submits. Each test replays what the first tab's browser would send (the
fields its page rendered, marks included) after the second tab switched.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages

from pg_tenants.admin.marking import FIELD, HEADER
from pg_tenants.admin.middleware import TenantAdminMiddleware
from pg_tenants.admin.testing import switch_admin_tenant as switch
from pg_tenants.core import get_tenant_model, tenant_context
from pg_tenants.core.testing import AsyncTenantClient
from sandbox.notes.models import Note

pytestmark = pytest.mark.django_db

PK = 9001
MARK = re.compile(rf'<input type="hidden" name="{FIELD}" value="([^"]*)">')
CSRF = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]*)">')


@pytest.fixture
def same_id_notes(two_tenants: Any) -> tuple[Any, Any]:
    """Note 9001 in both tenants: "Acme's note" and "Bravo's note"."""
    a, b = two_tenants
    for tenant, title in ((a, "Acme's note"), (b, "Bravo's note")):
        with tenant_context(tenant):
            Note.objects.update_or_create(pk=PK, defaults={"title": title})
    return a, b


def _titles(a: Any, b: Any) -> tuple[list[str], list[str]]:
    found = []
    for tenant in (a, b):
        with tenant_context(tenant):
            found.append(list(Note.objects.filter(pk=PK).values_list("title", flat=True)))
    return found[0], found[1]


def _mark(page: str) -> str:
    marks = MARK.findall(page)
    assert marks, "the page's forms carry no tenant mark"
    assert len(set(marks)) == 1
    return marks[0]


def _refused(response: Any) -> str:
    assert response.status_code == 302 and response["Location"] == "/admin/"
    # The switch's own message (not followed here) may come first.
    text = [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert text.startswith("Nothing was saved: "), text
    return text


def test_every_form_of_an_admin_page_carries_the_tenant_it_shows(same_id_notes, superuser, public_client):
    a, _ = same_id_notes
    client = public_client(superuser)
    page = client.get("/admin/customers/client/").content.decode()
    # Public: the logout form, both switcher forms, the action form.
    assert len(MARK.findall(page)) == len(CSRF.findall(page)) >= 3
    assert _mark(page) == ""
    switch(client, "adm_a")
    page = client.get(f"/admin/notes/note/{PK}/change/").content.decode()
    assert len(MARK.findall(page)) == len(CSRF.findall(page)) >= 4
    assert _mark(page) == str(a.pk)


def test_change_form_of_a_is_not_saved_into_b_after_another_tab_switched(same_id_notes, superuser, public_client):
    a, b = same_id_notes
    client = public_client(superuser)
    switch(client, "adm_a")
    url = f"/admin/notes/note/{PK}/change/"
    tab1 = {"title": "edited in tab 1", FIELD: _mark(client.get(url).content.decode())}
    switch(client, "adm_b")  # tab 2
    message = _refused(client.post(url, tab1))
    assert message == (
        "Nothing was saved: this form was opened for tenant “Acme (adm_a)”, but the admin now shows tenant "
        "“Bravo (adm_b)” (it was switched in another tab or window). Switch back to tenant “Acme (adm_a)” "
        "to submit it again."
    )
    assert _titles(a, b) == (["Acme's note"], ["Bravo's note"])
    # Back in Acme, the same submission is what the user meant: it is saved there.
    switch(client, "adm_a")
    assert client.post(url, tab1).status_code == 302
    assert _titles(a, b) == (["edited in tab 1"], ["Bravo's note"])


def test_delete_confirmation_of_a_does_not_delete_bs_object(same_id_notes, superuser, public_client):
    a, b = same_id_notes
    client = public_client(superuser)
    switch(client, "adm_a")
    url = f"/admin/notes/note/{PK}/delete/"
    tab1 = {"post": "yes", FIELD: _mark(client.get(url).content.decode())}
    switch(client, "adm_b")
    _refused(client.post(url, tab1))
    assert _titles(a, b) == (["Acme's note"], ["Bravo's note"])


def test_bulk_delete_of_a_does_not_delete_bs_objects(same_id_notes, superuser, public_client):
    a, b = same_id_notes
    client = public_client(superuser)
    switch(client, "adm_a")
    changelist = "/admin/notes/note/"
    mark = _mark(client.get(changelist).content.decode())
    action = {"action": "delete_selected", "_selected_action": [str(PK)], "index": "0", FIELD: mark}
    # Step 1: the action posted from A's list after tab 2 switched.
    switch(client, "adm_b")
    _refused(client.post(changelist, action))
    # Step 2: A's confirmation page ("Yes, I'm sure") submitted after the switch.
    switch(client, "adm_a")
    confirmation = client.post(changelist, action)
    assert confirmation.status_code == 200 and "Are you sure" in confirmation.content.decode()
    confirm = {**action, "post": "yes", FIELD: _mark(confirmation.content.decode())}
    switch(client, "adm_b")
    _refused(client.post(changelist, confirm))
    assert _titles(a, b) == (["Acme's note"], ["Bravo's note"])


def test_a_public_form_is_not_submitted_into_a_tenant(same_id_notes, superuser, public_client):
    from sandbox.catalog.models import Category

    client = public_client(superuser)
    add = "/admin/catalog/category/add/"
    tab1 = {"name": "from public", FIELD: _mark(client.get(add).content.decode())}
    switch(client, "adm_a")
    message = _refused(client.post(add, tab1))
    assert "opened for public, but the admin now shows tenant “Acme (adm_a)”" in message
    assert not Category.objects.filter(name="from public").exists()


def test_a_tenant_form_is_not_submitted_after_going_back_to_public(same_id_notes, superuser, public_client):
    from sandbox.catalog.models import Category

    client = public_client(superuser)
    switch(client, "adm_a")
    add = "/admin/catalog/category/add/"
    tab1 = {"name": "from acme", FIELD: _mark(client.get(add).content.decode())}
    switch(client, "")
    assert "opened for tenant “Acme (adm_a)”, but the admin now shows public" in _refused(client.post(add, tab1))
    assert not Category.objects.filter(name="from acme").exists()


def test_unmarked_post_is_refused_in_a_tenant_and_accepted_in_public(same_id_notes, superuser, public_client):
    from sandbox.catalog.models import Category

    a, b = same_id_notes
    client = public_client(superuser)
    # Public: what a plain Django admin accepts (scripts, tests) still works.
    assert client.post("/admin/catalog/category/add/", {"name": "unmarked"}).status_code == 302
    assert Category.objects.filter(name="unmarked").exists()
    switch(client, "adm_b")
    message = _refused(client.post(f"/admin/notes/note/{PK}/change/", {"title": "unmarked"}))
    assert message.startswith("Nothing was saved: this form does not say which tenant it was opened for")
    assert _titles(a, b) == (["Acme's note"], ["Bravo's note"])


def test_mark_in_a_header_for_requests_that_are_not_forms(same_id_notes, superuser, public_client):
    a, b = same_id_notes
    client = public_client(superuser)
    switch(client, "adm_b")
    url = f"/admin/notes/note/{PK}/change/"
    _refused(client.post(url, {"title": "via header"}, headers={HEADER: str(a.pk)}))
    assert client.post(url, {"title": "via header"}, headers={HEADER: str(b.pk)}).status_code == 302
    assert _titles(a, b) == (["Acme's note"], ["via header"])


def test_a_forged_mark_is_refused_and_named(same_id_notes, superuser, public_client):
    client = public_client(superuser)
    switch(client, "adm_a")
    url = f"/admin/notes/note/{PK}/change/"
    for forged in ("999999999", "not-a-pk", "1' OR '1'='1"):
        message = _refused(client.post(url, {"title": "forged", FIELD: forged}))
        assert "opened for another tenant, but the admin now shows tenant “Acme (adm_a)”" in message
    assert _titles(*same_id_notes)[0] == ["Acme's note"]


# -- ASGI ---------------------------------------------------------------------


def test_the_middleware_runs_natively_under_asgi():
    async def view(request: Any) -> Any:
        raise AssertionError("not called")

    assert TenantAdminMiddleware(view).is_async is True
    assert TenantAdminMiddleware(lambda request: None).is_async is False


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_switch_read_and_stale_form_under_asgi(two_tenants, django_user_model):
    from asgiref.sync import sync_to_async
    from django.db import connections

    a, b = two_tenants

    def prepare() -> Any:
        for tenant, title in ((a, "Acme async"), (b, "Bravo async")):
            with tenant_context(tenant):
                Note.objects.update_or_create(pk=PK, defaults={"title": title})
        return django_user_model.objects.create_superuser("aroot", "aroot@example.com", "pw")

    def clean() -> None:
        for tenant in (a, b):
            with tenant_context(tenant):
                Note.objects.filter(pk=PK).delete()
        connections.close_all()  # this thread's connection, before the test database is dropped

    user = await sync_to_async(prepare)()
    try:
        # The public tenant, addressed through the resolver like any other.
        client = AsyncTenantClient(get_tenant_model()(schema_name="public"))
        await client.aforce_login(user)
        response = await client.post("/admin/", {"_pg_tenants_switch": "1", "tenant": "adm_a"})
        assert response.status_code == 302
        listing = (await client.get("/admin/notes/note/")).content.decode()
        assert "Acme async" in listing and "Bravo async" not in listing
        url = f"/admin/notes/note/{PK}/change/"
        mark = _mark((await client.get(url)).content.decode())
        await client.post("/admin/", {"_pg_tenants_switch": "1", "tenant": "adm_b"})
        refused = await client.post(url, {"title": "async overwrite", FIELD: mark})
        assert refused.status_code == 302 and refused["Location"] == "/admin/"
        assert await sync_to_async(_titles)(a, b) == (["Acme async"], ["Bravo async"])
    finally:
        await sync_to_async(clean)()
