"""What the admin's headless-browser tests share: Debian's Chromium, the live server with this
package's settings, the admin's static files, and logging in as a user would."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
import pytest
from django.test.utils import override_settings
from playwright.sync_api import Page, expect

import pg_tenants.admin

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
    """pytest-django's live_server, answering with the calling module's settings.

    live_server is session-scoped, so it starts before a module's settings
    (MIDDLEWARE with the switcher, TENANT_APPS) are applied, and Django's
    handler reads MIDDLEWARE once. Give the running server a handler built now.
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


def public_base(live_server: Any) -> str:
    """The public site's origin on the live server's port."""
    return "http://tenants.test:" + live_server.url.rsplit(":", 1)[1]


def log_in(page: Page, base: str, username: str, password: str) -> None:
    """Log in through the admin's login form and land on the admin index."""
    page.goto(base + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator("#pg-tenants-current-name")).to_be_visible()


def switch(page: Page, schema_name: str) -> None:
    """Choose ``schema_name`` in the header's switcher, a list or (above the search threshold) a search box.

    Which one depends on how many tenants the database holds when the page is
    rendered, which other tests of a run may have added to.
    """
    choice = page.locator("#pg-tenants-choice")
    if choice.evaluate("e => e.tagName") == "SELECT":
        choice.select_option(schema_name)
    else:
        choice.fill(schema_name)
    page.click("#pg-tenants-switch")
