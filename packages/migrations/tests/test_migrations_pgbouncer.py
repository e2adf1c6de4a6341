"""migrate_schemas through PgBouncer in transaction pooling: the advisory lock still keeps two runs apart.

A real PgBouncer (``pool_mode = transaction``) is started in front of the test
database, and two database aliases reach it as two clients, the way two
deploys would. Behind a transaction pooler a session-level advisory lock is
held by a server connection that the pooler then hands to the next client, so
a second run would be handed the lock as well; it must be refused instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import override_settings

from pg_tenants.core.signals import schema_migrated
from pg_tenants.core.testing.database import database_url
from sandbox.tooling.pgbouncer import PgBouncer

from .conftest import make_tenants, migrate, recorded, widgets_settings

#: Two database aliases that reach the test database through the pooler, as two clients.
ALIASES = ("through_pooler_first", "through_pooler_second")

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", *ALIASES]),
    pytest.mark.usefixtures("fresh_schemas"),
]


@pytest.fixture(scope="module")
def bouncer(django_db_setup: Any) -> Iterator[PgBouncer]:
    """A PgBouncer in transaction pooling with the aliases in ``ALIASES`` pointed at it.

    Module-scoped, so the aliases exist before the test's database access is
    set up and the search-path mode is still "transaction" when the test's
    database is flushed through them afterwards; in ``connections.settings``
    rather than on one thread's handler, so the command's threads find them too.
    """
    with (
        override_settings(TENANT_SEARCH_PATH_MODE="transaction"),
        PgBouncer(database_url(), pool_mode="transaction", pool_size=3) as running,
    ):
        for alias in ALIASES:
            connections.settings[alias] = {
                **connection.settings_dict,
                "HOST": "127.0.0.1",
                "PORT": str(running.port),
                "OPTIONS": {},
                "CONN_MAX_AGE": 0,
                "DISABLE_SERVER_SIDE_CURSORS": True,
            }
        try:
            yield running
        finally:
            for alias in ALIASES:
                with suppress(AttributeError):  # never opened on this thread
                    connections[alias].close()
                    del connections[alias]
                del connections.settings[alias]


def test_a_second_run_through_a_transaction_pooler_is_refused(bouncer: PgBouncer):
    first_alias, second_alias = ALIASES
    names = make_tenants(2, prefix="pb")
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_first_run(sender: Any, **kwargs: Any) -> None:
        # The first run stops between two schemas, with no transaction of its own open,
        # so nothing pins a server connection to it except what the lock does.
        if threading.current_thread() is first and not holding.is_set():
            holding.set()
            assert release.wait(60)

    def first_run() -> None:
        try:
            migrate(database=first_alias, jobs=1)
        except BaseException as exc:
            errors.append(exc)
            holding.set()
        finally:
            connections.close_all()

    first = threading.Thread(target=first_run)
    schema_migrated.connect(hold_first_run)
    with widgets_settings():
        try:
            first.start()
            assert holding.wait(60)
            assert errors == []
            with pytest.raises(CommandError) as refused:
                migrate(database=second_alias, jobs=1, no_wait=True)
        finally:
            release.set()
            first.join(60)
            schema_migrated.disconnect(hold_first_run)
        message = str(refused.value)
        assert f"Another migrate_schemas is running on database {second_alias!r}" in message
        assert "run without --no-wait to wait for it" in message
        assert errors == []
        assert all(recorded(name) == 1 for name in names)
        # The first run let go of the lock when it ended: a run through the pooler takes it at once.
        assert "0 schema(s) to migrate" in migrate(database=second_alias, jobs=1, no_wait=True)
