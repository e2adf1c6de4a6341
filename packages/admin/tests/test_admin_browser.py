"""The switcher in a real headless Chromium, against the sandbox served by pytest-django's live_server.

Set ``PG_TENANTS_ADMIN_SCREENSHOTS=docs/images`` to also write the documentation's
screenshots (``admin-*.png``) from this same flow.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from pg_tenants.core import tenant_context
from pg_tenants.core.testing import get_test_tenant
from sandbox.notes.models import Note

from .browser import CHROMIUM, CHROMIUM_ARGS, admin_live_server, log_in, public_base, static_root, switch

__all__ = ["admin_live_server", "static_root"]  # fixtures used by the tests below

SHOTS = os.environ.get("PG_TENANTS_ADMIN_SCREENSHOTS", "")

#: WCAG 2.x level AA for normal-size text (the switcher's text is 13px).
MIN_CONTRAST = 4.5

Scheme = Literal["light", "dark"]

#: The operating system's colour scheme, and the theme the admin's toggle then selects (None: "auto").
THEMES: tuple[tuple[Scheme, Scheme | None], ...] = (
    ("light", None),
    ("dark", None),
    ("light", "dark"),
    ("dark", "light"),
)

#: Desktop widths at which the header keeps "Django administration" on one line with a tenant
#: chosen. Below 1025px the admin's responsive.css stacks the header anyway.
HEADER_WIDTHS = (1100, 1280, 1440, 1920)

# Every rendered element of the switcher that draws text, with its contrast against what is
# painted behind it: the first opaque background among it and its ancestors, with any
# translucent ones in between blended over it. Transitions (the admin fades link colours) are
# finished first, so a theme change is measured at its end, not half-way.
CONTRAST_JS = r"""
(root) => {
  document.getAnimations().forEach((animation) => animation.finish());
  const rgba = (value) => {
    const match = /^rgba?\(([^)]*)\)$/.exec(value);
    if (!match) throw new Error(`not an sRGB colour: ${value}`);
    const [r, g, b, a = 1] = match[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [r, g, b, a];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const backdrop = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) layers.unshift(colour);
      if (colour[3] === 1) break;
    }
    return layers.reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const luminance = (colour) => {
    const [r, g, b] = colour.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const hex = (colour) => "#" + colour.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const drawsText = (e) =>
    e.getClientRects().length > 0 &&
    (["SELECT", "INPUT", "BUTTON"].includes(e.tagName) ||
      [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()));
  return [...root.querySelectorAll("*")].filter(drawsText).map((e) => {
    const bg = backdrop(e);
    const fg = over(rgba(getComputedStyle(e).color), bg);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const text = e.tagName === "SELECT" ? e.selectedOptions[0]?.text : e.innerText || e.placeholder;
    return {text: (text || "").trim(), fg: hex(fg), bg: hex(bg), ratio: (light + 0.05) / (dark + 0.05)};
  });
}
"""

# How many lines the site name's text is laid out on, and whether the page scrolls sideways.
HEADER_JS = """
() => {
  const walker = document.createTreeWalker(document.getElementById("site-name"), NodeFilter.SHOW_TEXT);
  const tops = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && !tops.some((top) => Math.abs(top - rect.top) < rect.height / 2)) tops.push(rect.top);
    }
  }
  return {lines: tops.length, overflow: document.documentElement.scrollWidth > window.innerWidth};
}
"""


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"admin-{name}.png"))


def _log_in(browser: Browser, base: str) -> Page:
    """A page of a new browser context, logged in as the superuser "root", on the admin index."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.set_default_timeout(15_000)
    log_in(page, base, "root", "secret-pw")
    return page


def _use_theme(page: Page, scheme: Scheme, toggled: Scheme | None) -> None:
    """Emulate the system colour ``scheme``; with ``toggled``, then pick that theme with the admin's toggle."""
    page.emulate_media(color_scheme=scheme)
    page.evaluate("() => { localStorage.removeItem('theme'); document.documentElement.dataset.theme = 'auto'; }")
    if toggled:
        page.click("#header .theme-toggle")  # from "auto", one click selects the other scheme
        assert page.evaluate("() => document.documentElement.dataset.theme") == toggled


@pytest.mark.django_db(transaction=True)
def test_switch_tenants_in_a_real_browser(admin_live_server: Any, django_user_model: Any) -> None:
    a = get_test_tenant("adm_a", name="Acme")
    b = get_test_tenant("adm_b", name="Bravo")
    for tenant, title in ((a, "Acme welcome"), (b, "Bravo welcome")):
        with tenant_context(tenant):
            Note.objects.filter(title="Added in the browser").delete()
            Note.objects.get_or_create(title=title)
    django_user_model.objects.create_superuser("root", "root@example.com", "secret-pw")
    base = public_base(admin_live_server)

    # Playwright's sync API runs an event loop: keep ORM calls outside this block.
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = _log_in(browser, base)
        current = page.locator("#pg-tenants-current-name")
        expect(current).to_have_text("public")
        # The admin's stylesheet and the switcher's were served and applied.
        assert page.eval_on_selector("#pg-tenants-switcher", "e => getComputedStyle(e).display") == "flex"
        _shot(page, "public")

        switch(page, "adm_a")
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

        switch(page, "adm_b")  # from the notes list: the list of the next tenant
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
            switch(dark, "adm_a")
            expect(dark.locator("#pg-tenants-current-name")).to_have_text("Acme (adm_a)")
            _shot(dark, "dark")
        browser.close()

    with tenant_context(a):
        assert Note.objects.filter(title="Added in the browser").count() == 1
    with tenant_context(b):
        assert not Note.objects.filter(title="Added in the browser").exists()


@pytest.mark.django_db(transaction=True)
def test_switcher_is_readable_in_both_themes_and_leaves_the_branding_on_one_line(
    admin_live_server: Any, django_user_model: Any
) -> None:
    a = get_test_tenant("adm_a", name="Acme")
    get_test_tenant("adm_b", name="Bravo")
    django_user_model.objects.create_superuser("root", "root@example.com", "secret-pw")
    base = public_base(admin_live_server)
    # Indexes load no forms.css; change lists and change forms do, and it colours every label.
    public_pages = ("/admin/", f"/admin/customers/client/{a.pk}/change/")
    tenant_pages = ("/admin/", "/admin/notes/note/", "/admin/notes/note/add/")

    low: list[str] = []
    wrapped: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = _log_in(browser, base)
        for where, paths in (("public", public_pages), ("adm_a", tenant_pages)):
            if where != "public":
                switch(page, where)
                expect(page.locator("#pg-tenants-current-name")).to_have_text("Acme (adm_a)")
            for path in paths:
                page.goto(base + path)
                for scheme, toggled in THEMES:
                    _use_theme(page, scheme, toggled)
                    theme = f"{scheme} system" + (f", toggled to {toggled}" if toggled else "")
                    for item in page.eval_on_selector("#pg-tenants-switcher", CONTRAST_JS):
                        if item["ratio"] < MIN_CONTRAST:
                            low.append(
                                f"{where} {path} ({theme}): {item['text']!r} {item['fg']} on {item['bg']}"
                                f" is {item['ratio']:.2f}:1"
                            )
                if where != "public":
                    for width in HEADER_WIDTHS:
                        page.set_viewport_size({"width": width, "height": 720})
                        header = page.evaluate(HEADER_JS)
                        if header["lines"] != 1 or header["overflow"]:
                            wrapped.append(f"{path} at {width}px: {header}")
                    page.set_viewport_size({"width": 1280, "height": 720})
        browser.close()

    report = [f"below {MIN_CONTRAST}:1 (WCAG AA): {line}" for line in low]
    report += [f"the site name wraps or the page scrolls sideways: {line}" for line in wrapped]
    assert not report, "\n".join(report)
