"""Tenant template loaders: a tenant's own templates win for that tenant only, cached or not, sync and async."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.template import TemplateDoesNotExist, engines
from django.template.autoreload import get_template_directories
from django.template.loader import get_template, render_to_string
from django.test import override_settings

from pg_tenants.core import public_context, schema_context, tenant_context
from pg_tenants.core.testing import AsyncTenantClient, TenantClient

TENANT_LOADER = "pg_tenants.core.template_loaders.FilesystemLoader"
TENANT_CACHED = "pg_tenants.core.template_loaders.CachedLoader"
DJANGO_CACHED = "django.template.loaders.cached.Loader"
DJANGO_FILESYSTEM = "django.template.loaders.filesystem.Loader"


def templates_setting(root: Path, loaders: list[object]) -> list[dict[str, object]]:
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [root / "templates"],
            "OPTIONS": {"loaders": loaders},
        }
    ]


def cached(wrapper: str = TENANT_CACHED) -> list[object]:
    return [(wrapper, [TENANT_LOADER, DJANGO_FILESYSTEM, "django.template.loaders.app_directories.Loader"])]


@pytest.fixture
def template_tree(tmp_path):
    """Shared templates, and acme's own greeting.html and base.html (globex has none)."""

    def write(relative: str, text: str) -> None:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    write("templates/greeting.html", "Hello {{ name }} from everyone")
    write("templates/base.html", "[shared base]{% block body %}{% endblock %}")
    write("templates/page.html", '{% extends "base.html" %}{% block body %}page{% endblock %}')
    write("templates/secret.html", "shared secret")
    write("tenants/acme/greeting.html", "Hello {{ name }} from Acme")
    write("tenants/acme/base.html", "[acme base]{% block body %}{% endblock %}")
    write("tenants/globex/only-globex.html", "globex's own")
    return tmp_path


@pytest.fixture(params=["plain", "cached"])
def tenant_templates(request, template_tree):
    """TEMPLATES with the tenant loader first, bare or in the tenant cached loader."""
    loaders = cached() if request.param == "cached" else [TENANT_LOADER, DJANGO_FILESYSTEM]
    with override_settings(
        TEMPLATES=templates_setting(template_tree, loaders),
        TENANT_TEMPLATE_DIRS=[template_tree / "tenants" / "{schema}"],
    ):
        yield template_tree


def test_a_tenants_own_template_wins_for_that_tenant_only(acme_globex, tenant_templates):
    acme, globex = acme_globex
    # acme first: a cache keyed by name alone would now serve acme's to everyone.
    with tenant_context(acme):
        assert render_to_string("greeting.html", {"name": "Ann"}) == "Hello Ann from Acme"
    with tenant_context(globex):
        assert render_to_string("greeting.html", {"name": "Gus"}) == "Hello Gus from everyone"
    with public_context():
        assert render_to_string("greeting.html", {"name": "Pat"}) == "Hello Pat from everyone"
    with tenant_context(acme):
        assert render_to_string("greeting.html", {"name": "Ann"}) == "Hello Ann from Acme"


def test_extends_picks_each_tenants_parent(acme_globex, tenant_templates):
    acme, globex = acme_globex
    with tenant_context(globex):
        assert render_to_string("page.html") == "[shared base]page"
    with tenant_context(acme):
        assert render_to_string("page.html") == "[acme base]page"
    with tenant_context(globex):
        assert render_to_string("page.html") == "[shared base]page"


def test_a_tenant_cannot_reach_another_tenants_folder(acme_globex, tenant_templates):
    acme, globex = acme_globex
    with tenant_context(globex):
        assert render_to_string("only-globex.html") == "globex's own"
    with tenant_context(acme):
        with pytest.raises(TemplateDoesNotExist):
            get_template("only-globex.html")
        with pytest.raises(TemplateDoesNotExist):
            get_template("../globex/only-globex.html")


@pytest.mark.django_db
def test_schema_context_and_the_slug_placeholder(acme_globex, template_tree):
    acme, _ = acme_globex
    type(acme).objects.filter(pk=acme.pk).update(slug="acme-co")  # rolled back after the test
    (template_tree / "by-slug" / "acme-co").mkdir(parents=True)
    (template_tree / "by-slug" / "acme-co" / "greeting.html").write_text("Hi {{ name }}, by slug")
    with override_settings(
        TEMPLATES=templates_setting(template_tree, cached()),
        TENANT_TEMPLATE_DIRS=[str(template_tree / "by-slug" / "{slug}")],
    ):
        with schema_context(acme.schema_name):  # the tenant row comes from the tenant cache
            assert render_to_string("greeting.html", {"name": "Ann"}) == "Hi Ann, by slug"
        with schema_context("globex"):
            assert render_to_string("greeting.html", {"name": "Gus"}) == "Hello Gus from everyone"


def test_djangos_cached_loader_would_serve_one_tenants_template_to_all(acme_globex, template_tree):
    # Why pg_tenants.E021 exists, and why CachedLoader keys by tenant.
    acme, globex = acme_globex
    with override_settings(
        TEMPLATES=templates_setting(template_tree, cached(DJANGO_CACHED)),
        TENANT_TEMPLATE_DIRS=[template_tree / "tenants" / "{schema}"],
    ):
        with tenant_context(acme):
            render_to_string("greeting.html", {"name": "Ann"})
        with tenant_context(globex):
            assert render_to_string("greeting.html", {"name": "Gus"}) == "Hello Gus from Acme"


def test_templates_no_tenant_overrides_are_compiled_once(acme_globex, template_tree):
    acme, globex = acme_globex
    with override_settings(
        TEMPLATES=templates_setting(template_tree, cached()),
        TENANT_TEMPLATE_DIRS=[template_tree / "tenants" / "{schema}"],
    ):
        with tenant_context(acme):
            acme_page, acme_greeting = get_template("page.html"), get_template("greeting.html")
        with tenant_context(globex):
            globex_page, globex_greeting = get_template("page.html"), get_template("greeting.html")
        assert acme_page.template is globex_page.template
        assert acme_greeting.template is not globex_greeting.template


def test_reset_reads_changed_files(acme_globex, template_tree):
    acme, _ = acme_globex
    with (
        override_settings(
            TEMPLATES=templates_setting(template_tree, cached()),
            TENANT_TEMPLATE_DIRS=[template_tree / "tenants" / "{schema}"],
        ),
        tenant_context(acme),
    ):
        assert render_to_string("greeting.html", {"name": "Ann"}) == "Hello Ann from Acme"
        (template_tree / "tenants" / "acme" / "greeting.html").write_text("Bye {{ name }}")
        assert render_to_string("greeting.html", {"name": "Ann"}) == "Hello Ann from Acme"  # cached
        for loader in engines["django"].engine.template_loaders:
            loader.reset()
        assert render_to_string("greeting.html", {"name": "Ann"}) == "Bye Ann"


def test_runserver_watches_every_tenants_folder(tenant_templates):
    assert tenant_templates / "tenants" in get_template_directories()


@pytest.mark.django_db
def test_requests_render_their_tenants_templates(acme_globex, tenant_templates):
    acme, globex = acme_globex
    with override_settings(ROOT_URLCONF="sandbox.urls_integrations"):
        assert TenantClient(acme).get("/greeting/").content == b"Hello you from Acme"
        assert TenantClient(globex).get("/greeting/").content == b"Hello you from everyone"
        assert TenantClient(acme).get("/greeting/").content == b"Hello you from Acme"


@pytest.mark.django_db(transaction=True)
async def test_async_views_render_their_tenants_templates(acme_globex, tenant_templates):
    acme, globex = acme_globex
    try:
        with override_settings(ROOT_URLCONF="sandbox.urls_integrations"):
            acme_response, globex_response = await asyncio.gather(
                AsyncTenantClient(acme).get("/async-greeting/"), AsyncTenantClient(globex).get("/async-greeting/")
            )
    finally:
        await sync_to_async(connections.close_all)()  # the thread that looked the tenants up
    assert acme_response.content == b"Hello you from Acme"
    assert globex_response.content == b"Hello you from everyone"


async def test_concurrent_tasks_each_render_their_tenants_template(acme_globex, tenant_templates):
    acme, globex = acme_globex

    async def render(tenant, name):
        async with tenant_context(tenant):
            await asyncio.sleep(0)  # let the other tasks run in between
            return render_to_string("greeting.html", {"name": name})

    results = await asyncio.gather(*(render(t, str(i)) for i, t in enumerate([acme, globex] * 10)))
    assert results == [f"Hello {i} from {'Acme' if i % 2 == 0 else 'everyone'}" for i in range(20)]
