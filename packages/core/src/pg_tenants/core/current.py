"""The current tenant: the tenant row of the active schema.

:mod:`pg_tenants.core.context` keeps the active schema, and the tenant when
whoever activated it knew it (``tenant_context``, a request's tenant). When it
did not (``schema_context``), the row is looked up through the tenant cache;
that look-up is why these getters sit above :mod:`pg_tenants.core.cache`
rather than in the context module. Both are exported by :mod:`pg_tenants.core`.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

from asgiref.sync import sync_to_async
from django.core.exceptions import SynchronousOnlyOperation

from .cache import tenant_cache
from .context import get_active_schema

if TYPE_CHECKING:
    from .models import TenantModel


def get_current_tenant() -> TenantModel:
    """The active tenant; the public tenant when none is active.

    Inside :func:`~pg_tenants.core.context.schema_context` the tenant row is
    looked up (through the tenant cache) the first time it is asked for; a
    schema without a row, such as the public schema in a project that has no
    public tenant row, gives an unsaved tenant instance carrying that
    ``schema_name``.

    In async code this never touches the database: it answers when the tenant
    is known (``tenant_context``, a request's tenant) or in the tenant cache's
    memory, and otherwise raises :class:`~django.core.exceptions.SynchronousOnlyOperation`
    naming :func:`aget_current_tenant`, which can load it.
    """
    active = get_active_schema()
    if active.tenant is not None:
        return active.tenant
    if _in_event_loop():
        tenant = tenant_cache.tenant_for_schema_in_memory(active.schema_name)
        if tenant is None:
            raise SynchronousOnlyOperation(
                f"get_current_tenant() would query the database for the tenant of schema {active.schema_name!r}, "
                "and this is async code: use `await aget_current_tenant()` instead."
            )
        return tenant
    return tenant_cache.tenant_for_schema(active.schema_name)


async def aget_current_tenant() -> TenantModel:
    """The async form of :func:`get_current_tenant`: loads the tenant in a thread when it is not known yet."""
    active = get_active_schema()
    if active.tenant is not None:
        return active.tenant
    tenant = tenant_cache.tenant_for_schema_in_memory(active.schema_name)
    if tenant is None:
        tenant = await sync_to_async(tenant_cache.tenant_for_schema)(active.schema_name)
    return tenant


def _in_event_loop() -> bool:
    # The same test Django's async_unsafe makes, so both agree on what is async code.
    if os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"):
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
