"""The switcher in a real headless Chromium, against the sandbox served by pytest-django's live_server.

Set ``PG_TENANTS_ADMIN_SCREENSHOTS=docs/images`` to also write the documentation's
screenshots (``admin-*.png``) from this same flow.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
import pytest
from django.test.utils import override_settings
from playwright.sync_api import Page, expect, sync_playwright

import pg_tenants.admin
from pg_tenants.core import tenant_context
from pg_tenants.core.testing import get_test_tenant
from sandbox.notes.models import Note

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The sandbox's resolver maps tenants.test to public and <slug>.tenants.test to tenants.
    "--host-resolver-rules=MAP tenants.test 127.0.0.1, MAP *.tenants.test 127.0.0.1",
]
SHOTS = os.environ.get("PG_TENANTS_ADMIN_SCREENSHOTS", "")


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The admin's and the switcher's static files, where live_server serves STATIC_ROOT from."""
    root = tmp_path_factory.mktemp("static")
    for package in (django.contrib.admin, pg_tenants.admin):
        source = Path(package.__path__[0]) / "static"
        shutil.copytree(source, root, dirs_exist_ok=True)
    with override_settings(STATIC_ROOT=str(root)):
        yield root


@pytest.fixture
def admin_live_server(static_root: Path, live_server: Any) -> Iterator[Any]:
    """pytest-django's live_server, answering with this module's settings.

    live_server is session-scoped, so it starts before this module's
    settings (MIDDLEWARE with the switcher) are applied, and Django's handler
    reads MIDDLEWARE once. Give the running server a handler built now.
    """
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.testcases import _MediaFilesHandler

    thread = live_server.thread
    previous = thread.httpd.get_app()
    thread.httpd.set_app(thread.static_handler(_MediaFilesHandler(WSGIHandler())))
    try:
        yield live_server
    finally:
        thread.httpd.set_app(previous)


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"admin-{name}.png"))


def _switch(page: Page, schema_name: str) -> None:
    page.select_option("#pg-tenants-choice", schema_name)
    page.click("#pg-tenants-switch")


@pytest.mark.django_db(transaction=True)
def test_switch_tenants_in_a_real_browser(admin_live_server: Any, django_user_model: Any) -> None:
    a = get_test_tenant("adm_a", name="Acme")
    b = get_test_tenant("adm_b", name="Bravo")
    for tenant, title in ((a, "Acme welcome"), (b, "Bravo welcome")):
        with tenant_context(tenant):
            Note.objects.filter(title="Added in the browser").delete()
            Note.objects.get_or_create(title=title)
    django_user_model.objects.create_superuser("root", "root@example.com", "secret-pw")
    base = "http://tenants.test:" + admin_live_server.url.rsplit(":", 1)[1]

    # Playwright's sync API runs an event loop: keep ORM calls outside this block.
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.set_default_timeout(15_000)
        page.goto(base + "/admin/login/?next=/admin/")
        page.fill("#id_username", "root")
        page.fill("#id_password", "secret-pw")
        page.click("input[type=submit]")
        current = page.locator("#pg-tenants-current-name")
        expect(current).to_have_text("public")
        # The admin's stylesheet and the switcher's were served and applied.
        assert page.eval_on_selector("#pg-tenants-switcher", "e => getComputedStyle(e).display") == "flex"
        _shot(page, "public")

        _switch(page, "adm_a")
        expect(current).to_have_text("Acme (adm_a)")
        expect(page.locator("#pg-tenants-switcher a.pg-tenants-site")).to_have_attribute(
            "href", "http://adm-a.tenants.test/"
        )
        page.goto(base + "/admin/notes/note/")
        expect(page.locator("#result_list")).to_contain_text("Acme welcome")
        expect(page.locator("#result_list")).not_to_contain_text("Bravo welcome")
        _shot(page, "tenant")

        page.goto(base + "/admin/notes/note/add/")
        page.fill("#id_title", "Added in the browser")
        page.click("input[name=_save]")
        expect(page.locator("#result_list")).to_contain_text("Added in the browser")

        _switch(page, "adm_b")  # from the notes list: the list of the next tenant
        expect(current).to_have_text("Bravo (adm_b)")
        expect(page).to_have_url(base + "/admin/notes/note/")
        expect(page.locator("#result_list")).to_contain_text("Bravo welcome")
        expect(page.locator("#result_list")).not_to_contain_text("Added in the browser")

        page.click("#pg-tenants-public")
        expect(current).to_have_text("public")
        expect(page).to_have_url(base + "/admin/")  # a tenant app's list is not reachable from public
        expect(page.locator("ul.messagelist")).to_contain_text("choose a tenant in the header")

        if SHOTS:
            page.goto(base + "/admin/customers/client/")
            _shot(page, "tenants")
            page.goto(base + f"/admin/customers/client/{a.pk}/delete/")
            _shot(page, "delete")
            dark = browser.new_page(viewport={"width": 1280, "height": 720}, color_scheme="dark")
            dark.context.add_cookies(page.context.cookies())
            dark.goto(base + "/admin/")
            _switch(dark, "adm_a")
            expect(dark.locator("#pg-tenants-current-name")).to_have_text("Acme (adm_a)")
            _shot(dark, "dark")
        browser.close()

    with tenant_context(a):
        assert Note.objects.filter(title="Added in the browser").count() == 1
    with tenant_context(b):
        assert not Note.objects.filter(title="Added in the browser").exists()
