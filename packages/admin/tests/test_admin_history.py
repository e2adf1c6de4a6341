"""Each tenant keeps its own admin history ("Recent actions", an object's History), naming the operator.

Two layouts, each with ``django.contrib.admin`` in ``TENANT_APPS``:

* ``shared users`` (the documented default): auth only in public; a tenant
  schema's ``django_admin_log.user_id`` resolves to public's ``auth_user``.
* ``users per tenant`` (the example's): auth and sessions in ``TENANT_APPS``
  too, with ``TENANT_ADMIN_LOG_PUBLIC_USERS = True``; every tenant has its own
  ``auth_user`` (here with a customer who has the operator's id), and its log
  names public's users.

An operator (public superuser ``root``) changes note #N in tenant A through the
switcher; tenant B has a note #N of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection
from django.test.utils import override_settings

from pg_tenants.admin.history import point_log_at_public_users
from pg_tenants.admin.testing import post_in_admin
from pg_tenants.admin.testing import switch_admin_tenant as switch
from pg_tenants.core import public_context, schema_context, tenant_context
from pg_tenants.core.testing import get_test_tenant
from sandbox.notes.models import Note

from .conftest import PER_TENANT_AUTH

pytestmark = pytest.mark.django_db

USERS_PER_TENANT = {"TENANT_APPS": [*PER_TENANT_AUTH, "django.contrib.admin"], "TENANT_ADMIN_LOG_PUBLIC_USERS": True}
LAYOUTS = {"shared users": {}, "users per tenant": USERS_PER_TENANT}
SCHEMAS = {"shared users": ("adm_a", "adm_b"), "users per tenant": ("hist_a", "hist_b")}

_KEY_SQL = """
SELECT ref_ns.nspname, ref.relname, con.confdeltype
FROM pg_constraint con
JOIN pg_class log ON log.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = log.relnamespace
JOIN pg_class ref ON ref.oid = con.confrelid JOIN pg_namespace ref_ns ON ref_ns.oid = ref.relnamespace
WHERE con.contype = 'f' AND ns.nspname = %s AND log.relname = 'django_admin_log'
  AND pg_get_constraintdef(con.oid) LIKE 'FOREIGN KEY (user_id)%%'
"""


def _user_keys(schema_name: str) -> list[tuple[str, str, str]]:
    """Where the schema's ``django_admin_log.user_id`` foreign keys point, and their ON DELETE ('c': cascade)."""
    with connection.cursor() as cursor:
        cursor.execute(_KEY_SQL, [schema_name])
        return list(cursor.fetchall())


@pytest.fixture(scope="module")
def _tenants(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, tuple[Any, Any]]]:
    made: dict[str, tuple[Any, Any]] = {}
    with django_db_blocker.unblock():
        for layout, overrides in LAYOUTS.items():
            with override_settings(**overrides):
                a, b = SCHEMAS[layout]
                made[layout] = get_test_tenant(a, name="Acme"), get_test_tenant(b, name="Bravo")
    yield made


@pytest.fixture(params=list(LAYOUTS))
def layout(request: Any, _tenants: dict[str, tuple[Any, Any]]) -> Iterator[tuple[str, Any, Any]]:
    """The layout's name and its tenants A and B, with its settings in force."""
    with override_settings(**LAYOUTS[request.param]):
        yield (request.param, *_tenants[request.param])


@pytest.fixture
def operator(db: Any) -> Any:
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


def _same_id_notes(a: Any, b: Any) -> int:
    """A note in A and one in B with the same id; returns that id."""
    with tenant_context(a):
        note = Note.objects.create(title="acme's note")
    with tenant_context(b):
        Note.objects.create(pk=note.pk, title="bravo's note")
    return note.pk


def _page(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response
    return response.content.decode()


def _recent_actions(client: Any) -> str:
    page = _page(client, "/admin/")
    return page[page.index('id="recent-actions-module"') :]


def test_each_tenant_keeps_its_own_history_naming_the_operator(layout, operator, public_client):
    name, a, b = layout
    pk = _same_id_notes(a, b)
    if name == "users per tenant":
        with tenant_context(a):  # a customer of A's with the operator's id: the history must not name her
            get_user_model().objects.create_user("namesake", pk=operator.pk)
    client = public_client(operator)

    switch(client, a.schema_name)
    response = post_in_admin(client, f"/admin/notes/note/{pk}/change/", {"title": "edited in acme"})
    assert response.status_code == 302
    connection.check_constraints()  # the entry's user foreign key holds (it is checked at commit)
    with tenant_context(a):
        [entry] = LogEntry.objects.filter(object_id=str(pk))
        assert (entry.action_flag, entry.user.get_username(), entry.object_repr) == (CHANGE, "root", "edited in acme")
    recent = _recent_actions(client)
    assert "edited in acme" in recent and f"/admin/notes/note/{pk}/change/" in recent
    history = _page(client, f"/admin/notes/note/{pk}/history/")
    assert "<td>root</td>" in history and "Changed Title." in history and "namesake" not in history

    switch(client, b.schema_name)
    recent = _recent_actions(client)
    assert "edited in acme" not in recent and f"/admin/notes/note/{pk}/change/" not in recent
    history = _page(client, f"/admin/notes/note/{pk}/history/")
    assert "have a change history" in history and "<td>root</td>" not in history
    with tenant_context(b):
        assert not LogEntry.objects.exists()

    switch(client, "")
    assert "edited in acme" not in _recent_actions(client)
    assert not LogEntry.objects.filter(object_repr="edited in acme").exists()


def test_bulk_delete_is_logged_in_that_tenant_only(layout, operator, public_client):
    _, a, b = layout
    with tenant_context(a):
        notes = [Note.objects.create(title=f"doomed {i}") for i in range(3)]
    client = public_client(operator)
    switch(client, a.schema_name)
    selected = {"action": "delete_selected", "_selected_action": [str(n.pk) for n in notes], "post": "yes"}
    response = post_in_admin(client, "/admin/notes/note/", selected)
    assert response.status_code == 302
    connection.check_constraints()
    assert "doomed 1" in _recent_actions(client)
    with tenant_context(a):
        assert not Note.objects.filter(title__startswith="doomed").exists()
        entries = LogEntry.objects.filter(action_flag=DELETION, object_repr__startswith="doomed")
        assert sorted(e.object_repr for e in entries) == ["doomed 0", "doomed 1", "doomed 2"]
        assert {e.user.get_username() for e in entries} == {"root"}
    with tenant_context(b):
        assert not LogEntry.objects.filter(object_repr__startswith="doomed").exists()
    assert not LogEntry.objects.filter(object_repr__startswith="doomed").exists()
    switch(client, b.schema_name)
    assert "doomed" not in _recent_actions(client)


def test_deleting_an_operator_deletes_their_entries_in_every_tenant(layout, operator, public_client):
    _, a, b = layout
    pk = _same_id_notes(a, b)
    client = public_client(operator)
    switch(client, a.schema_name)
    assert post_in_admin(client, f"/admin/notes/note/{pk}/change/", {"title": "by root"}).status_code == 302
    with public_context():
        operator.delete()  # Django deletes public's entries; the database those in tenant schemas
    connection.check_constraints()
    with tenant_context(a):
        assert not LogEntry.objects.filter(object_repr="by root").exists()


def test_the_log_names_public_users_in_both_layouts(layout):
    _, a, b = layout
    for tenant in (a, b):
        assert _user_keys(tenant.schema_name) == [("public", "auth_user", "c")]


def test_a_clone_of_such_a_schema_keeps_the_key_on_public(layout):
    from pg_tenants.migrations.cloning import clone_schema

    _, a, _ = layout
    assert clone_schema(a.schema_name, "hist_clone", with_data=False) is not None
    assert _user_keys("hist_clone") == [("public", "auth_user", "c")]


@pytest.fixture
def local_key_tenant(_tenants: Any, django_db_blocker: Any) -> Iterator[Any]:
    """A tenant made with the users per tenant but without TENANT_ADMIN_LOG_PUBLIC_USERS: Django's own key."""
    with override_settings(**{**USERS_PER_TENANT, "TENANT_ADMIN_LOG_PUBLIC_USERS": False}):
        with django_db_blocker.unblock():
            tenant = get_test_tenant("hist_local", name="Local")
        yield tenant


def test_without_the_setting_the_key_is_djangos_and_pointing_it_is_idempotent(local_key_tenant):
    schema = local_key_tenant.schema_name
    assert _user_keys(schema) == [(schema, "auth_user", "a")]
    with override_settings(TENANT_ADMIN_LOG_PUBLIC_USERS=True):
        assert point_log_at_public_users(schema) is True
        assert _user_keys(schema) == [("public", "auth_user", "c")]
        assert point_log_at_public_users(schema) is False


def test_a_log_with_the_tenants_own_users_is_not_pointed_at_public(local_key_tenant):
    schema = local_key_tenant.schema_name
    with tenant_context(local_key_tenant):
        customer = get_user_model().objects.create_user("customer", pk=987654)
        LogEntry.objects.create(user=customer, action_flag=CHANGE, object_repr="by a customer")
    connection.check_constraints()  # fire the insert's deferred key check: ALTER TABLE refuses pending ones
    with pytest.raises(IntegrityError, match=f"The admin log of schema '{schema}' has entries by users"):
        point_log_at_public_users(schema)
    assert _user_keys(schema) == [(schema, "auth_user", "a")]


def test_schema_without_an_admin_log_is_left_alone(layout):
    with schema_context("public"):
        assert point_log_at_public_users("no_such_schema") is False
