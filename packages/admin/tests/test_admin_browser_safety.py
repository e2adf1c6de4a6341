"""In a real Chromium: two tabs of one session never write across tenants, and the operator's own
password and session stay in public (``auth`` and ``sessions`` per tenant, the example's layout)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test.utils import override_settings
from playwright.sync_api import expect, sync_playwright

from pg_tenants.core import tenant_context
from pg_tenants.core.testing import get_test_tenant
from sandbox.notes.models import Note

from .browser import CHROMIUM, CHROMIUM_ARGS, admin_live_server, log_in, public_base, static_root, switch
from .conftest import PER_TENANT_AUTH

__all__ = ["admin_live_server", "static_root"]  # fixtures used by the tests below

PK = 9002


def _note_titles(*tenants: Any) -> list[list[str]]:
    found = []
    for tenant in tenants:
        with tenant_context(tenant):
            found.append(list(Note.objects.filter(pk=PK).values_list("title", flat=True)))
    return found


@pytest.mark.django_db(transaction=True)
def test_a_stale_tab_cannot_save_or_delete_in_the_tenant_another_tab_chose(
    admin_live_server: Any, django_user_model: Any
) -> None:
    a = get_test_tenant("adm_a", name="Acme")
    b = get_test_tenant("adm_b", name="Bravo")
    for tenant, title in ((a, "Acme's note"), (b, "Bravo's note")):
        with tenant_context(tenant):
            Note.objects.update_or_create(pk=PK, defaults={"title": title})
    django_user_model.objects.create_superuser("root", "root@example.com", "secret-pw")
    base = public_base(admin_live_server)

    # Playwright's sync API runs an event loop: keep ORM calls outside this block.
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 720})  # one cookie jar: one session
        context.set_default_timeout(15_000)
        tab1, tab2 = context.new_page(), context.new_page()
        log_in(tab1, base, "root", "secret-pw")
        switch(tab1, "adm_a")
        tab1.goto(base + f"/admin/notes/note/{PK}/change/")
        expect(tab1.locator("#id_title")).to_have_value("Acme's note")
        tab1.fill("#id_title", "typed in tab 1")

        tab2.goto(base + "/admin/")
        switch(tab2, "adm_b")
        expect(tab2.locator("#pg-tenants-current-name")).to_have_text("Bravo (adm_b)")

        tab1.click("input[name=_save]")
        expect(tab1).to_have_url(base + "/admin/")
        expect(tab1.locator("ul.messagelist .error")).to_contain_text(
            "Nothing was saved: this form was opened for tenant “Acme (adm_a)”, but the admin now shows "
            "tenant “Bravo (adm_b)”"
        )
        # Tab 1's header now says where the admin is.
        expect(tab1.locator("#pg-tenants-current-name")).to_have_text("Bravo (adm_b)")

        # The same with a delete confirmation opened in Acme.
        switch(tab1, "adm_a")
        tab1.goto(base + f"/admin/notes/note/{PK}/delete/")
        tab2.goto(base + "/admin/")
        switch(tab2, "adm_b")
        tab1.click("#content form input[type=submit]")
        expect(tab1.locator("ul.messagelist .error")).to_contain_text("Nothing was saved")
        browser.close()

    assert _note_titles(a, b) == [["Acme's note"], ["Bravo's note"]]


@pytest.mark.django_db(transaction=True)
def test_password_change_and_logout_while_switched_are_the_operators(
    admin_live_server: Any, django_user_model: Any
) -> None:
    with override_settings(TENANT_APPS=PER_TENANT_AUTH):
        tenant = get_test_tenant("adm_auth", name="Auth Co")
        operator = django_user_model.objects.create_superuser("root", "root@example.com", "old-secret-pw")
        with tenant_context(tenant):
            get_user_model().objects.filter(pk=operator.pk).delete()
            get_user_model().objects.create_user("alice", password="alices-pw", pk=operator.pk)
        base = public_base(admin_live_server)

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(15_000)
            log_in(page, base, "root", "old-secret-pw")
            switch(page, "adm_auth")
            expect(page.locator("#pg-tenants-current-name")).to_have_text("Auth Co (adm_auth)")
            page.goto(base + "/admin/password_change/")
            page.fill("#id_old_password", "old-secret-pw")
            page.fill("#id_new_password1", "new-Secret-pw-42")
            page.fill("#id_new_password2", "new-Secret-pw-42")
            page.click("input[type=submit]")
            expect(page).to_have_url(base + "/admin/password_change/done/")
            expect(page.locator("#content")).to_contain_text("Your password was changed")
            session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
            page.click("#logout-form button")
            expect(page.locator("#content")).to_contain_text("Logged out")
            page.goto(base + "/admin/")
            expect(page).to_have_url(base + "/admin/login/?next=/admin/")
            browser.close()

        operator.refresh_from_db()
        assert operator.check_password("new-Secret-pw-42")
        assert not Session.objects.filter(session_key=session_key).exists()
        with tenant_context(tenant):
            alice = get_user_model().objects.get(pk=operator.pk)
            assert alice.username == "alice" and alice.check_password("alices-pw") and not alice.is_superuser
            alice.delete()
