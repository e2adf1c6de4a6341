"""``{% load pg_tenants %}{% tenant_url %}`` and the ``tenant_url`` function."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError, engines
from django.test import override_settings

from pg_tenants.resolvers import tenant_url

from .conftest import resolver_settings

pytestmark = pytest.mark.django_db
SOURCE = '{% load pg_tenants %}{% tenant_url tenant "/notes/" %} {% tenant_url tenant as home %}[{{ home }}]'


def render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_tag_library_comes_with_the_app(world):
    apps = [*settings.INSTALLED_APPS, "pg_tenants.resolvers"]
    with override_settings(INSTALLED_APPS=apps), resolver_settings("subdomain"):
        assert render(SOURCE, tenant=world.alpha) == "https://alpha.example.com/notes/ [https://alpha.example.com/]"
    from django.apps import apps as registry

    with override_settings(INSTALLED_APPS=apps):
        assert registry.get_app_config("pg_tenants_resolvers").name == "pg_tenants.resolvers"


def test_tag_library_without_the_app_is_a_template_error(world):
    with pytest.raises(TemplateSyntaxError, match="'pg_tenants' is not a registered tag library"):
        Template("{% load pg_tenants %}")


def test_tag_library_as_a_builtin(world):
    templates = [{**settings.TEMPLATES[0], "OPTIONS": {"builtins": ["pg_tenants.resolvers.templatetags.pg_tenants"]}}]
    with override_settings(TEMPLATES=templates), resolver_settings("path"):
        html = render('{% tenant_url tenant "/notes/" %}', tenant=world.beta)
    assert html == "https://app.example.com/t/beta/notes/"


def test_function_and_autoescape(world):
    with resolver_settings("path"):
        assert tenant_url(world.alpha, "/a/") == "https://app.example.com/t/alpha/a/"
        apps = [*settings.INSTALLED_APPS, "pg_tenants.resolvers"]
        with override_settings(INSTALLED_APPS=apps):
            html = Template('{% load pg_tenants %}<a href="{% tenant_url t "/?a=1&b=<2>" %}">').render(
                Context({"t": world.alpha})
            )
    assert html == '<a href="https://app.example.com/t/alpha/?a=1&amp;b=&lt;2&gt;">'
