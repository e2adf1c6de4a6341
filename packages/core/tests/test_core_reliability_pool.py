"""Django's connection pool (``OPTIONS["pool"]``, psycopg 3): a pooled connection never carries a path over.

The pool holds one connection, so every checkout hands back the same server
process (asserted through its pid): whatever the previous request left on it,
the next request of another tenant must run in its own schema.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from pg_tenants.core import tenant_context
from pg_tenants.core.backend.base import DatabaseWrapper
from pg_tenants.core.testing import get_test_tenant
from sandbox.notes.models import Note

try:
    import psycopg_pool  # noqa: F401 - Django's pool needs it

    HAS_POOL = connection.Database.__name__ == "psycopg"
except ImportError:  # the psycopg2 environment: Django's pool needs psycopg 3
    HAS_POOL = False

ALIAS = "pooled"
TENANTS = ("pool_acme", "pool_globex")


@pytest.fixture(scope="module")
def pool_tenants(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        tenants = [get_test_tenant(name) for name in TENANTS]
        for tenant in tenants:
            with tenant_context(tenant):
                Note.objects.all().delete()
                Note.objects.create(title=f"{tenant.schema_name}-note")
    yield tenants
    with django_db_blocker.unblock():
        for tenant in tenants:
            with tenant_context(tenant):
                Note.objects.all().delete()


@pytest.fixture
def pooled():
    """An alias on the test database whose connections come from a pool of exactly one."""
    wrapper = attach_pooled_alias()
    yield wrapper
    wrapper.close()
    wrapper.close_pool()
    del connections[ALIAS]


def attach_pooled_alias() -> DatabaseWrapper:
    """This thread's wrapper for the alias; Django keeps one pool per alias for all threads."""
    settings_dict = {**connection.settings_dict, "OPTIONS": {"pool": {"min_size": 1, "max_size": 1, "timeout": 10}}}
    connections[ALIAS] = wrapper = DatabaseWrapper(settings_dict, alias=ALIAS)
    return wrapper


def request_like(tenant, *, atomic: bool = False) -> tuple[int, str, list[str]]:
    """What a request does: take a connection, read, give it back to the pool."""
    wrapper = connections[ALIAS]
    try:
        with tenant_context(tenant):
            if atomic:
                with transaction.atomic(using=ALIAS):
                    titles = list(Note.objects.using(ALIAS).values_list("title", flat=True))
            else:
                titles = list(Note.objects.using(ALIAS).values_list("title", flat=True))
            with wrapper.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid(), current_schema()")
                pid, schema = cursor.fetchone()
    finally:
        wrapper.close()  # back to the pool, as at the end of a request
    return pid, schema, titles


if HAS_POOL:

    @pytest.mark.django_db
    def test_pooled_connection_handed_to_another_tenant_carries_no_path(pooled, pool_tenants, settings):
        acme, globex = pool_tenants
        pids = set()
        for round_ in range(20):
            first, second = (acme, globex) if round_ % 2 else (globex, acme)
            for tenant in (first, second):
                pid, schema, titles = request_like(tenant, atomic=bool(round_ % 3 == 0))
                pids.add(pid)
                assert schema == tenant.schema_name
                assert titles == [f"{tenant.schema_name}-note"]
        assert len(pids) == 1, "the pool of one should have handed back the same server process every time"

    @pytest.mark.django_db
    def test_path_left_by_a_raw_session_set_or_a_rollback_does_not_survive_checkout(pooled, pool_tenants):
        acme, globex = pool_tenants
        with tenant_context(acme), pooled.cursor() as cursor:  # something behind the library's back
            cursor.execute(f'SET search_path = "{globex.schema_name}"')
        pooled.close()
        pid, schema, titles = request_like(acme)
        assert (schema, titles) == (acme.schema_name, [f"{acme.schema_name}-note"])
        # A transaction that sets the path then rolls back.
        with tenant_context(globex), pytest.raises(ZeroDivisionError), transaction.atomic(using=ALIAS):
            list(Note.objects.using(ALIAS).all())
            raise ZeroDivisionError
        pooled.close()
        assert request_like(acme)[1:] == (acme.schema_name, [f"{acme.schema_name}-note"])

    @pytest.mark.django_db
    def test_threads_sharing_a_pool_of_one_never_see_each_other(pooled, pool_tenants):
        errors: list[str] = []

        def worker(tenant) -> None:
            attach_pooled_alias()
            try:
                for _ in range(40):
                    _, schema, titles = request_like(tenant)
                    if schema != tenant.schema_name or titles != [f"{tenant.schema_name}-note"]:
                        errors.append(f"{tenant.schema_name} saw {schema} {titles}")
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                connections[ALIAS].close()
                del connections[ALIAS]

        threads = [threading.Thread(target=worker, args=(t,)) for t in pool_tenants * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
