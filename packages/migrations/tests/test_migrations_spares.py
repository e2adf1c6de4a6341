"""Spare schemas: a sign-up renames a ready-made copy of the template, and nothing can make it take the wrong one."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings

from pg_tenants.core import tenant_context
from pg_tenants.core.schema import schema_exists
from pg_tenants.migrations.spares import (
    claim_spare,
    refill_spare_schemas,
    spare_prefix,
    spare_schema_names,
    wait_for_refill,
)
from sandbox.customers.models import Client
from sandbox.tooling.schema_catalog import describe_schema

from .conftest import V1, assert_widgets_work, widgets_settings

pytestmark = pytest.mark.usefixtures("fresh_schemas")


def spares(count: int, refill: str = "manual") -> override_settings:
    return override_settings(TENANT_SPARE_SCHEMAS=count, TENANT_SPARE_REFILL=refill)


def comment_of(schema_name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(%s::regnamespace, 'pg_namespace')", [schema_name])
        return cursor.fetchone()[0]


def test_tenant_made_from_a_spare_matches_a_migrated_one():
    with widgets_settings(), spares(2):
        out = __import__("io").StringIO()
        call_command("migrate_schemas", format="plain", stdout=out)
        assert "spare schemas: 0 behind dropped, 2 made from the template." in out.getvalue()
        before = spare_schema_names()
        assert len(before) == 2 and all(name.startswith("_pg_tenants_template_spare_") for name in before)

        with override_settings(TENANT_USE_TEMPLATE=False):
            migrated = Client.objects.create(schema_name="spare_cmp_migrated")
        from_spare = Client.objects.create(schema_name="spare_cmp_taken")

        # the first spare became the tenant's schema: renamed, no longer marked, the other one untouched
        assert spare_schema_names() == before[1:]
        assert not schema_exists(before[0])
        assert comment_of("spare_cmp_taken") is None
        a, b = describe_schema(migrated.schema_name), describe_schema(from_spare.schema_name)
        for key in a:
            assert a[key] == b[key], key
        assert ("pgt_widgets", "0002_seed") in a["django_migrations"]

        # it works as the tenant's own schema; the remaining spare saw none of it
        assert_widgets_work(from_spare, before[1])


def test_without_spares_left_the_tenant_is_cloned_from_the_template():
    with widgets_settings(), spares(1):
        call_command("migrate_schemas", verbosity=0)
        Client.objects.create(schema_name="spare_first")
        assert spare_schema_names() == []
        second = Client.objects.create(schema_name="spare_second")  # manual refill: none left
        assert "pgt_widgets_widget" in {t[0] for t in describe_schema(second.schema_name)["tables"]}
        assert refill_spare_schemas() == 1
        assert len(spare_schema_names()) == 1


def test_rolled_back_sign_up_gives_the_spare_back():
    with widgets_settings(), spares(1):
        call_command("migrate_schemas", verbosity=0)
        [spare] = spare_schema_names()
        with pytest.raises(RuntimeError, match="payment declined"), transaction.atomic():
            Client.objects.create(schema_name="spare_rolled_back")
            assert spare_schema_names() == []
            raise RuntimeError("payment declined")
        assert spare_schema_names() == [spare]
        assert comment_of(spare) == "pg_tenants spare schema"
        assert not schema_exists("spare_rolled_back")
        assert not Client.objects.filter(schema_name="spare_rolled_back").exists()


def test_two_sign_ups_at_once_never_share_a_spare():
    with widgets_settings(), spares(2):
        call_command("migrate_schemas", verbosity=0)
        spare_names = set(spare_schema_names())
        claimed: dict[str, Any] = {}
        first_holds_it = threading.Event()
        second_done = threading.Event()
        errors: list[BaseException] = []

        def sign_up(schema_name: str, hold: bool) -> None:
            try:
                with transaction.atomic():
                    claimed[schema_name] = claim_spare(schema_name)
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT current_setting('search_path')")
                    if hold:
                        first_holds_it.set()
                        assert second_done.wait(30)
            except BaseException as exc:
                errors.append(exc)
                first_holds_it.set()
            finally:
                connections.close_all()

        first = threading.Thread(target=sign_up, args=("spare_at_once_a", True))
        first.start()
        assert first_holds_it.wait(30)
        second = threading.Thread(target=sign_up, args=("spare_at_once_b", False))
        second.start()
        second.join(30)
        second_done.set()
        first.join(30)
        assert errors == []
        assert claimed["spare_at_once_a"] is not None and claimed["spare_at_once_b"] is not None
        assert schema_exists("spare_at_once_a") and schema_exists("spare_at_once_b")
        assert spare_schema_names() == []
        assert not spare_names & {name for name in spare_names if schema_exists(name)}


def test_a_schema_that_only_looks_like_a_spare_is_never_taken():
    with widgets_settings(), spares(1):
        call_command("migrate_schemas", verbosity=0)
        [real_spare] = spare_schema_names()
        # a tenant whose schema name starts like a spare's, and sorts before the real one
        lookalike = Client.objects.create(schema_name=spare_prefix() + "000_customer")
        assert spare_schema_names() == []  # the sign-up above took the real spare
        assert refill_spare_schemas() == 1
        [real_spare] = spare_schema_names()
        assert lookalike.schema_name < real_spare
        with tenant_context(lookalike):
            from packages.migrations.tests.pgt_widgets.models import Widget

            Widget.objects.create(name="lookalike's own")
        taken = Client.objects.create(schema_name="spare_after_lookalike")
        assert schema_exists(lookalike.schema_name)
        assert not schema_exists(real_spare)
        with tenant_context(taken):
            assert not Widget.objects.filter(name="LOOKALIKE'S OWN").exists()
        with tenant_context(lookalike):
            assert Widget.objects.filter(name="LOOKALIKE'S OWN").exists()


def test_spares_behind_are_brought_up_to_date_then_replaced_by_migrate_schemas():
    with widgets_settings(migrations=V1), spares(2):
        call_command("migrate_schemas", verbosity=0)
        old = spare_schema_names()
    with widgets_settings(), spares(2):
        # a sign-up before the deploy's migrate_schemas: the spare it takes lacks 0002, which is applied
        early = Client.objects.create(schema_name="spare_before_deploy")
        assert ("pgt_widgets", "0002_seed") in describe_schema(early.schema_name)["django_migrations"]
        out = __import__("io").StringIO()
        call_command("migrate_schemas", format="plain", stdout=out)
        assert "spare schemas: 1 behind dropped, 2 made from the template." in out.getvalue()
        new = spare_schema_names()
        assert len(new) == 2 and not set(new) & set(old)
        for name in new:
            assert ("pgt_widgets", "0002_seed") in describe_schema(name)["django_migrations"]
        call_command("migrate_schemas", format="plain", stdout=out)
        assert "spare schemas: 0 behind dropped, 0 made from the template." in out.getvalue()
        assert spare_schema_names() == new


def other_sessions() -> set[int]:
    """Backend pids of the other sessions on the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {int(row[0]) for row in cursor.fetchall()}


def sessions_left_since(before: set[int], timeout: float = 10.0) -> set[int]:
    """Sessions that were not there ``before`` and are still there after up to ``timeout`` seconds.

    Polled, because a client that closes its connection does not wait for the
    server process to exit: pg_stat_activity may list it a moment longer.
    """
    deadline = time.monotonic() + timeout
    while (left := other_sessions() - before) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def test_sign_up_refills_the_pool_in_the_background():
    with widgets_settings(), spares(2, refill="thread"):
        call_command("migrate_schemas", verbosity=0)
        before = set(spare_schema_names())
        sessions_before = other_sessions()
        Client.objects.create(schema_name="spare_refilled")
        wait_for_refill(60)
        after = set(spare_schema_names())
        assert len(after) == 2 and len(after - before) == 1
        assert sessions_left_since(sessions_before) == set()  # the refill thread closed its connection


def test_spare_schemas_command_fills_lists_rebuilds_and_drops():
    with widgets_settings(), spares(3):
        call_command("migrate_schemas", "--shared", verbosity=0)
        call_command("migrate_schemas", "--tenants", verbosity=0)
        out = __import__("io").StringIO()
        call_command("spare_schemas", "--drop", stdout=out)
        assert spare_schema_names() == []
        call_command("spare_schemas", "--fill", "--count", "2", stdout=out)
        assert "Made 2 spare schema(s) from the template." in out.getvalue()
        first = spare_schema_names()
        call_command("spare_schemas", "--rebuild", verbosity=2, stdout=out)
        rebuilt = spare_schema_names()
        assert len(rebuilt) == 3 and not set(rebuilt) & set(first)
        assert out.getvalue().rstrip().endswith("\n".join(f"  {name}" for name in rebuilt))
        call_command("spare_schemas", "--drop", stdout=out)
        assert "Dropped 3 spare schema(s)." in out.getvalue()
        assert spare_schema_names() == []
        assert schema_exists("_pg_tenants_template")


@pytest.mark.parametrize(
    ("settings", "check_id", "words"),
    [
        ({"TENANT_SPARE_SCHEMAS": -1}, "pg_tenants_migrations.E001", "got -1"),
        ({"TENANT_SPARE_SCHEMAS": "many"}, "pg_tenants_migrations.E001", "got 'many'"),
        ({"TENANT_SPARE_REFILL": "celery"}, "pg_tenants_migrations.E002", "got 'celery'"),
    ],
)
def test_bad_spare_settings_are_named_by_a_system_check(settings: dict[str, Any], check_id: str, words: str):
    from pg_tenants.migrations.checks import check_migrations_settings

    assert [m.id for m in check_migrations_settings()] == []
    with override_settings(**settings):
        [message] = check_migrations_settings()
    assert message.id == check_id and words in message.msg
