"""The admin site's own views (log in, log out, password change) run in public, whatever tenant is chosen.

The layout of the example: ``auth`` and ``sessions`` are tenant apps too, so
every tenant schema has its own ``auth_user`` and ``django_session`` (its
customers), and the operators live in public's. Inside a tenant the search
path is ``"<tenant>", public``: a view that wrote the operator's rows while
the switcher's tenant was active would write the tenant's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test.utils import override_settings
from django.utils import timezone

from pg_tenants.admin.switching import SESSION_KEY
from pg_tenants.admin.testing import switch_admin_tenant as switch
from pg_tenants.core import tenant_context
from pg_tenants.core.testing import get_test_tenant

from .conftest import PER_TENANT_AUTH

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _per_tenant_auth(_admin_settings: None) -> Iterator[None]:
    with override_settings(TENANT_APPS=PER_TENANT_AUTH):
        yield


@pytest.fixture(scope="module")
def auth_tenant(_per_tenant_auth: None, django_db_setup: Any, django_db_blocker: Any) -> Any:
    """A tenant whose schema has its own auth_user and django_session."""
    with django_db_blocker.unblock():
        tenant = get_test_tenant("adm_auth", name="Auth Co")
        with tenant_context(tenant):
            assert "auth_user" in _tables_of_current_schema()
        return tenant


def _tables_of_current_schema() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def operator_and_namesake(auth_tenant: Any) -> tuple[Any, Any]:
    """The operator (public) and, in the tenant, a customer account with the operator's id."""
    user_model = get_user_model()
    operator = user_model.objects.create_superuser("root", "root@example.com", "old-secret-pw")
    with tenant_context(auth_tenant):
        namesake = user_model.objects.create_user(
            "alice", "alice@example.com", "alices-pw", pk=operator.pk, is_staff=False
        )
    return operator, namesake


def _logged_in_and_switched(client: Any, operator: Any) -> Any:
    assert client.login(username="root", password="old-secret-pw")
    switch(client, "adm_auth")
    assert client.session[SESSION_KEY]
    return client


def test_password_change_while_switched_changes_the_operators_password(
    auth_tenant, operator_and_namesake, public_client
):
    operator, namesake = operator_and_namesake
    client = _logged_in_and_switched(public_client(), operator)
    response = client.post(
        "/admin/password_change/",
        {"old_password": "old-secret-pw", "new_password1": "new-Secret-pw-42", "new_password2": "new-Secret-pw-42"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/password_change/done/"
    assert client.get("/admin/password_change/done/").status_code == 200
    operator.refresh_from_db()
    assert operator.check_password("new-Secret-pw-42")
    with tenant_context(auth_tenant):
        alice = type(namesake)._default_manager.get(pk=namesake.pk)
    assert (alice.username, alice.is_superuser, alice.is_staff) == ("alice", False, False)
    assert alice.check_password("alices-pw")
    # The session survived the change (update_session_auth_hash ran on the operator's row).
    assert client.get("/admin/").status_code == 200


def test_logout_while_switched_ends_the_operators_session(auth_tenant, operator_and_namesake, public_client):
    operator, _ = operator_and_namesake
    client = _logged_in_and_switched(public_client(), operator)
    with tenant_context(auth_tenant):
        Session.objects.create(
            session_key="a-customer-session-key-0001", session_data="x", expire_date=timezone.now() + timedelta(days=1)
        )
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=old_cookie).exists()
    response = client.post("/admin/logout/")
    assert response.status_code == 200 and "Logged out" in response.content.decode()
    assert not Session.objects.filter(session_key=old_cookie).exists()
    with tenant_context(auth_tenant):
        assert Session.objects.filter(session_key="a-customer-session-key-0001").exists()
    # The old cookie opens nothing any more.
    replay = public_client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert replay.get("/admin/")["Location"].startswith("/admin/login/")


def test_login_with_a_tenant_still_chosen_touches_only_the_operator(auth_tenant, operator_and_namesake, public_client):
    operator, namesake = operator_and_namesake
    client = public_client()
    # A session that still names a tenant (chosen before), not logged in any more.
    session = client.session
    session[SESSION_KEY] = str(auth_tenant.pk)
    session.save()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": "old-secret-pw", "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    operator.refresh_from_db()
    assert operator.last_login is not None
    with tenant_context(auth_tenant):
        assert type(namesake)._default_manager.get(pk=namesake.pk).last_login is None
    # The tenant's own login (its customers) does not accept the operator's password.
    with tenant_context(auth_tenant):
        assert not type(namesake)._default_manager.get(pk=namesake.pk).check_password("old-secret-pw")


def test_tenant_users_admin_follows_the_switcher(auth_tenant, operator_and_namesake, public_client):
    # Only the site's own views run in public: the user admin of a tenant app lists the tenant's users.
    operator, _ = operator_and_namesake
    client = _logged_in_and_switched(public_client(), operator)
    listing = client.get("/admin/auth/user/").content.decode()
    assert ">alice</a>" in listing and ">root</a>" not in listing
