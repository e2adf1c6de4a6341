"""``{% load pg_tenants %}{% tenant_url %}`` and the ``tenant_url`` function."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Template, TemplateSyntaxError, engines
from django.test import override_settings

from pg_tenants.core.resolvers import TenantURLNotAbsolute
from pg_tenants.resolvers import tenant_url

from .conftest import resolver_settings

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]
LIBRARY = "pg_tenants.resolvers.templatetags.pg_tenants"
SOURCE = '{% load pg_tenants %}{% tenant_url tenant "/notes/" %} {% tenant_url tenant as home %}[{{ home }}]'


def render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_tag_library_comes_with_the_app(tmp_path):
    # A fresh process, started like a project that lists the app: the registry of
    # this test process stays as it is (overriding INSTALLED_APPS would reload it).
    (tmp_path / "with_app.py").write_text(
        "from sandbox.settings import *\n"
        'INSTALLED_APPS = [*INSTALLED_APPS, "pg_tenants.resolvers"]\n'
        'TENANT_RESOLVER = "subdomain"\n'
        'TENANT_BASE_DOMAIN = "example.com"\n'
    )
    script = (
        "import django; django.setup()\n"
        "from django.apps import apps\n"
        "from django.template import engines\n"
        "from sandbox.customers.models import Client\n"
        "print(apps.get_app_config('pg_tenants_resolvers').name)\n"
        f"print(engines['django'].from_string({SOURCE!r}).render({{'tenant': Client(schema_name='x', slug='acme')}}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "with_app", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "pg_tenants.resolvers",
        "https://acme.example.com/notes/ [https://acme.example.com/]",
    ]


def test_tag_library_without_the_app_is_a_template_error(world):
    with pytest.raises(TemplateSyntaxError, match="'pg_tenants' is not a registered tag library"):
        Template("{% load pg_tenants %}")


def test_tag_library_as_a_builtin(world):
    templates = [{**settings.TEMPLATES[0], "OPTIONS": {"builtins": [LIBRARY]}}]
    with override_settings(TEMPLATES=templates), resolver_settings("path"):
        html = render('{% tenant_url tenant "/notes/" %}', tenant=world.beta)
    assert html == "https://app.example.com/t/beta/notes/"


def test_function_and_autoescape(world):
    with resolver_settings("path"):
        assert tenant_url(world.alpha, "/a/") == "https://app.example.com/t/alpha/a/"
        templates = [{**settings.TEMPLATES[0], "OPTIONS": {"libraries": {"pg_tenants": LIBRARY}}}]
        with override_settings(TEMPLATES=templates):
            html = render('{% load pg_tenants %}<a href="{% tenant_url t "/?a=1&b=<2>" %}">', t=world.alpha)
    assert html == '<a href="https://app.example.com/t/alpha/?a=1&amp;b=&lt;2&gt;">'


def test_absolute_links_for_emails(world):
    templates = [{**settings.TEMPLATES[0], "OPTIONS": {"libraries": {"pg_tenants": LIBRARY}}}]
    source = '{% load pg_tenants %}{% tenant_url t "/n/" %} {% tenant_url t "/n/" absolute=True %}'
    with override_settings(TEMPLATES=templates), resolver_settings("path"):
        assert render(source, t=world.alpha) == "https://app.example.com/t/alpha/n/ https://app.example.com/t/alpha/n/"
        with resolver_settings("path", TENANT_BASE_URL=None):
            assert render('{% load pg_tenants %}{% tenant_url t "/n/" %}', t=world.alpha) == "/t/alpha/n/"
            with pytest.raises(TenantURLNotAbsolute, match="TENANT_BASE_URL"):
                render(source, t=world.alpha)
