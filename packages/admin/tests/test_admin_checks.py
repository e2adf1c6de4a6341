"""Each system check of the admin package, by id."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.test.utils import override_settings

from pg_tenants.admin.checks import MIDDLEWARE_PATH, check_admin, check_admin_middleware, check_admin_settings

from .conftest import PER_TENANT_AUTH


def _messages():
    return [*check_admin_settings(), *check_admin_middleware(), *check_admin()]


def _ids(**overrides) -> list[str]:
    with override_settings(**overrides):
        return [m.id for m in _messages()]


def test_recommended_setup_is_clean():
    assert _ids() == []


def test_label_is_not_admin():
    assert apps.get_app_config("pg_tenants_admin").name == "pg_tenants.admin"
    assert apps.get_app_config("admin").name == "django.contrib.admin"


def test_e001_not_in_shared_apps():
    shared = [a for a in settings.SHARED_APPS if a != "pg_tenants.admin"]
    assert _ids(SHARED_APPS=shared) == ["pg_tenants_admin.E001"]


def test_w001_no_middleware():
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE_PATH]
    assert _ids(MIDDLEWARE=middleware) == ["pg_tenants_admin.W001"]


def test_e002_middleware_before_auth():
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE_PATH]
    middleware.insert(1, MIDDLEWARE_PATH)
    assert _ids(MIDDLEWARE=middleware) == ["pg_tenants_admin.E002"] * 3


def test_w002_app_after_django_admin():
    installed = [a for a in settings.INSTALLED_APPS if a != "pg_tenants.admin"] + ["pg_tenants.admin"]
    with override_settings(INSTALLED_APPS=installed):
        assert [m.id for m in _messages()] == ["pg_tenants_admin.W002"]


def _history_messages(**overrides):
    with override_settings(**overrides):
        return [m for m in check_admin() if m.id in {"pg_tenants_admin.W003", "pg_tenants_admin.W004"}]


def test_w003_contenttypes_in_tenant_apps_without_admin():
    tenant_apps = [a for a in settings.TENANT_APPS if a != "django.contrib.admin"]
    assert _ids(TENANT_APPS=tenant_apps) == ["pg_tenants_admin.W003"]
    [message] = _history_messages(TENANT_APPS=tenant_apps)
    assert "logged in public's django_admin_log" in message.msg
    assert "TENANT_ADMIN_LOG_PUBLIC_USERS" not in message.hint


def test_w003_users_per_tenant_recommends_the_admin_and_public_users():
    # The example's former layout: auth per tenant, the admin's log shared in public.
    [message] = _history_messages(TENANT_APPS=PER_TENANT_AUTH)
    assert message.id == "pg_tenants_admin.W003"
    assert 'Add "django.contrib.admin" to TENANT_APPS' in message.hint
    assert "TENANT_ADMIN_LOG_PUBLIC_USERS = True" in message.hint


def test_w003_not_without_tenant_only_apps():
    assert _history_messages(TENANT_APPS=["django.contrib.contenttypes"]) == []


def test_w004_users_per_tenant_with_the_switcher_and_the_tenants_own_users():
    tenant_apps = [*PER_TENANT_AUTH, "django.contrib.admin"]
    [message] = _history_messages(TENANT_APPS=tenant_apps)
    assert message.id == "pg_tenants_admin.W004"
    assert "foreign key violation" in message.msg
    assert "TENANT_ADMIN_LOG_PUBLIC_USERS = True" in message.hint
    assert _history_messages(TENANT_APPS=tenant_apps, TENANT_ADMIN_LOG_PUBLIC_USERS=True) == []
    # Without the switcher no operator writes into tenant schemas: their admins are their own users.
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE_PATH]
    assert _history_messages(TENANT_APPS=tenant_apps, MIDDLEWARE=middleware) == []


@pytest.mark.parametrize("path", ["no.such.module.func", "pg_tenants.admin.conf.admin_settings"])
def test_e003_tenants_for_user_unusable(path):
    messages = []
    with override_settings(TENANT_ADMIN_TENANTS_FOR_USER=path):
        messages = _messages()
    assert [m.id for m in messages] == ["pg_tenants_admin.E003"]
    assert path in messages[0].msg


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("TENANT_ADMIN_REGISTER", "False"),
        ("TENANT_ADMIN_SEARCH_THRESHOLD", "20"),
        ("TENANT_ADMIN_LOG_PUBLIC_USERS", "True"),
    ],
)
def test_e004_setting_of_the_wrong_type(setting, value):
    with override_settings(**{setting: value}):
        [message] = _messages()
    assert message.id == "pg_tenants_admin.E004"
    assert message.msg.startswith(f"{setting} is {value!r}, which is not ")


def test_the_registered_admins_pass_djangos_own_admin_checks():
    from django.core.checks import run_checks

    errors = [m for m in run_checks() if m.id and m.id.startswith("admin.")]
    assert errors == []
