"""tenant_context / schema_context: sync and async, managers and decorators, always restored."""

from __future__ import annotations

import asyncio
import threading

import pytest

from pg_tenants.core import (
    get_current_schema_name,
    get_current_tenant,
    public_context,
    schema_context,
    tenant_context,
)


def test_nested_contexts_restore_on_exit_and_on_error(acme_globex):
    acme, globex = acme_globex
    assert get_current_schema_name() == "public"
    with tenant_context(acme):
        assert get_current_tenant() is acme
        with pytest.raises(KeyError), tenant_context(globex):
            assert get_current_schema_name() == "globex"
            raise KeyError
        assert get_current_schema_name() == "acme"
        with public_context():
            assert get_current_schema_name() == "public"
        assert get_current_schema_name() == "acme"
    assert get_current_schema_name() == "public"


@pytest.mark.django_db
def test_get_current_tenant_inside_schema_context_is_the_row(acme_globex):
    acme, _ = acme_globex
    with schema_context("acme"):
        assert get_current_tenant().pk == acme.pk
    public = get_current_tenant()
    assert public.schema_name == "public" and public.pk is None  # no public row in the sandbox


def test_same_manager_reentered(acme_globex):
    acme, _ = acme_globex
    ctx = tenant_context(acme)
    with ctx:
        with ctx:
            assert get_current_schema_name() == "acme"
        assert get_current_schema_name() == "acme"
    assert get_current_schema_name() == "public"


def test_decorators_sync_and_async(acme_globex):
    acme, globex = acme_globex

    @tenant_context(acme)
    def sync_fn() -> str:
        return get_current_schema_name()

    @schema_context("globex")
    async def async_fn() -> str:
        await asyncio.sleep(0)
        return get_current_schema_name()

    assert sync_fn() == "acme"
    assert asyncio.run(async_fn()) == "globex"
    assert get_current_schema_name() == "public"


def test_decorated_function_restores_after_exception(acme_globex):
    acme, _ = acme_globex

    @tenant_context(acme)
    def boom() -> None:
        raise ValueError

    with pytest.raises(ValueError):
        boom()
    assert get_current_schema_name() == "public"


def test_async_with_and_concurrent_tasks(acme_globex):
    acme, globex = acme_globex

    async def in_tenant(tenant, seen):
        async with tenant_context(tenant):
            for _ in range(5):
                await asyncio.sleep(0)
                seen.append((tenant.schema_name, get_current_schema_name()))

    async def main():
        seen: list[tuple[str, str]] = []
        await asyncio.gather(in_tenant(acme, seen), in_tenant(globex, seen))
        return seen

    seen = asyncio.run(main())
    assert len(seen) == 10 and all(expected == actual for expected, actual in seen)


def test_threads_do_not_inherit_or_leak(acme_globex):
    acme, _ = acme_globex
    seen = []
    with tenant_context(acme):
        thread = threading.Thread(target=lambda: seen.append(get_current_schema_name()))
        thread.start()
        thread.join()
    assert seen == ["public"]  # a new thread starts with nothing active


def test_schema_context_validates_names():
    from pg_tenants.core.validation import InvalidSchemaName

    with pytest.raises(InvalidSchemaName):
        schema_context("pg_catalog")
