"""Fixtures for the admin package's tests: the sandbox with admin URLs, the switcher middleware,
``django.contrib.admin`` in TENANT_APPS (the recommended set-up), and two tenants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.test.utils import override_settings

from pg_tenants.core.testing import get_test_tenant

HOST = "tenants.test"
MIDDLEWARE_PATH = "pg_tenants.admin.middleware.TenantAdminMiddleware"
#: TENANT_APPS of the example's layout: every tenant has its own users and sessions (its customers),
#: the operators are public's users.
PER_TENANT_AUTH = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "sandbox.notes",
]


def admin_settings() -> dict[str, Any]:
    """The settings every test here runs under."""
    return {
        "ROOT_URLCONF": "sandbox.urls_admin",
        "PUBLIC_SCHEMA_URLCONF": "sandbox.urls_admin",
        "MIDDLEWARE": [*settings.MIDDLEWARE, MIDDLEWARE_PATH],
        "TENANT_APPS": [*settings.TENANT_APPS, "django.contrib.admin"],
    }


@pytest.fixture(scope="module", autouse=True)
def _admin_settings() -> Iterator[None]:
    with override_settings(**admin_settings()):
        yield


@pytest.fixture(scope="module")
def two_tenants(_admin_settings: None, django_db_setup: Any, django_db_blocker: Any) -> tuple[Any, Any]:
    """Tenants ``adm_a`` and ``adm_b`` (schemas created once per run)."""
    with django_db_blocker.unblock():
        return get_test_tenant("adm_a", name="Acme"), get_test_tenant("adm_b", name="Bravo")


@pytest.fixture
def public_client() -> Any:
    """Make a test client on the public host, logged in as the user given."""

    def make(user: Any = None, **defaults: Any) -> Client:
        client = Client(HTTP_HOST=HOST, **defaults)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def superuser(db: Any, django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def staff(db: Any, django_user_model: Any) -> Any:
    """Staff who may view and change notes but not switch tenants."""
    user = django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="notes"))
    return user


@pytest.fixture
def switcher(staff: Any) -> Any:
    """Staff who may switch tenants and work with notes."""
    staff.user_permissions.add(Permission.objects.get(codename="switch_tenant"))
    return type(staff)._default_manager.get(pk=staff.pk)
