"""The active tenant, kept in a :class:`contextvars.ContextVar`.

Threads, ``async`` tasks and ``sync_to_async`` hops each see their own value,
so a tenant activated for one request can never be seen by another. The
context managers keep what they must restore in a ``ContextVar`` too, so one
``tenant_context(...)`` object can be entered by many threads and tasks at once.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from asgiref.sync import async_to_sync, sync_to_async
from django.core.exceptions import SynchronousOnlyOperation
from django.core.signals import setting_changed
from django.dispatch import receiver

from .conf import tenant_settings
from .validation import quote_identifier, validate_schema_name

if TYPE_CHECKING:
    from .models import TenantModel

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class ActiveSchema:
    """What is active: a schema, the tenant it belongs to when known, and its ``SET`` statement."""

    schema_name: str
    tenant: TenantModel | None = None
    search_path_sql: str = field(default="", compare=False)

    @classmethod
    def for_schema(cls, schema_name: str, tenant: TenantModel | None = None) -> ActiveSchema:
        return cls(schema_name, tenant, search_path_sql(schema_name))


_active: ContextVar[ActiveSchema | None] = ContextVar("pg_tenants_active", default=None)
_sql_cache: dict[tuple[str, str, tuple[str, ...]], str] = {}
_public: ActiveSchema | None = None


def search_path_sql(schema_name: str) -> str:
    """The ``SET search_path`` statement for a schema: itself, then public, then the extras."""
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    extras = tuple(tenant_settings.TENANT_EXTRA_SEARCH_PATHS)
    key = (schema_name, public, extras)
    sql = _sql_cache.get(key)
    if sql is None:
        sql = "SET search_path = " + ", ".join(quote_identifier(n) for n in search_path_names(schema_name))
        _sql_cache[key] = sql
    return sql


def search_path_names(schema_name: str) -> list[str]:
    """The schema names of :func:`search_path_sql`, in order."""
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    extras = tuple(tenant_settings.TENANT_EXTRA_SEARCH_PATHS)
    return [schema_name] + [n for n in (public, *extras) if n != schema_name]


def public_schema() -> ActiveSchema:
    """The :class:`ActiveSchema` used when nothing is active."""
    global _public
    if _public is None:
        _public = ActiveSchema.for_schema(tenant_settings.PUBLIC_SCHEMA_NAME)
    return _public


@receiver(setting_changed)
def _reset_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    global _public
    if setting in {"PUBLIC_SCHEMA_NAME", "TENANT_EXTRA_SEARCH_PATHS"}:
        _public = None
        _sql_cache.clear()


def get_active_schema() -> ActiveSchema:
    """The active schema (public when none is active). Costs no SQL."""
    return _active.get() or public_schema()


def get_current_schema_name() -> str:
    """Name of the active schema (``PUBLIC_SCHEMA_NAME`` when none is active)."""
    active = _active.get()
    return active.schema_name if active is not None else tenant_settings.PUBLIC_SCHEMA_NAME


def get_current_tenant() -> TenantModel:
    """The active tenant; the public tenant when none is active.

    Inside :func:`schema_context` the tenant row is looked up (through the
    tenant cache) the first time it is asked for; a schema without a row, such
    as the public schema in a project that has no public tenant row, gives an
    unsaved tenant instance carrying that ``schema_name``.

    In async code this never touches the database: it answers when the tenant
    is known (``tenant_context``, a request's tenant) or in the tenant cache's
    memory, and otherwise raises :class:`~django.core.exceptions.SynchronousOnlyOperation`
    naming :func:`aget_current_tenant`, which can load it.
    """
    active = get_active_schema()
    if active.tenant is not None:
        return active.tenant
    from .cache import tenant_cache

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
    from .cache import tenant_cache

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


#: What each context manager entered in this context must restore: (manager, token) pairs, innermost last.
#: A tuple, never changed in place, so threads and tasks (which copy the context) never share a stack.
_entered: ContextVar[tuple[tuple[_Activation, Token[ActiveSchema | None]], ...]] = ContextVar(
    "pg_tenants_entered", default=()
)


class _Activation:
    """Context manager and decorator, sync and async, that makes a schema active."""

    def __init__(self, make: Callable[[], ActiveSchema]) -> None:
        self._make = make

    def __enter__(self) -> TenantModel | None:
        active = self._make()
        _entered.set((*_entered.get(), (self, _active.set(active))))
        return active.tenant

    def __exit__(self, *exc_info: object) -> None:
        entered = _entered.get()
        for i in range(len(entered) - 1, -1, -1):
            if entered[i][0] is self:
                _entered.set(entered[:i] + entered[i + 1 :])
                _active.reset(entered[i][1])
                return
        raise RuntimeError("This tenant context was not entered in this thread or task, so it cannot be exited here.")

    async def __aenter__(self) -> TenantModel | None:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        self.__exit__(*exc_info)

    def __call__(self, func: F) -> F:
        make = self._make
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_inner(*args: Any, **kwargs: Any) -> Any:
                async with _Activation(make):
                    return await func(*args, **kwargs)

            return cast(F, async_inner)

        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with _Activation(make):
                return func(*args, **kwargs)

        return cast(F, inner)


def tenant_context(tenant: TenantModel) -> _Activation:
    """Make ``tenant`` active inside a ``with`` / ``async with`` block or a decorated function.

    The previous tenant is restored on exit, exceptions included::

        with tenant_context(acme):
            Note.objects.count()  # runs in acme's schema
    """
    schema_name = validate_schema_name(tenant.schema_name, allow_public=True)
    return _Activation(lambda: ActiveSchema.for_schema(schema_name, tenant))


def schema_context(schema_name: str) -> _Activation:
    """Like :func:`tenant_context`, by schema name; the name is validated before use."""
    validate_schema_name(schema_name, allow_public=True)
    return _Activation(lambda: ActiveSchema.for_schema(schema_name))


def public_context() -> _Activation:
    """Make the public schema active (shared apps only)."""
    return _Activation(public_schema)


def _call_in(active: ActiveSchema, func: Callable[[], Any]) -> Any:
    token = _active.set(active)
    try:
        return func()
    finally:
        _active.reset(token)


def run_in_context(active: ActiveSchema, func: Callable[[], Any]) -> Callable[[], Any]:
    """``func`` wrapped to run with ``active`` set (a streaming response's clean-up)."""
    return functools.partial(_call_in, active, func)


class _IteratorInContext:
    """An iterator that steps and closes ``iterator`` with ``active`` set."""

    def __init__(self, active: ActiveSchema, iterator: Iterator[Any]) -> None:
        self._active = active
        self._iterator = iterator

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return _call_in(self._active, self._iterator.__next__)

    def close(self) -> None:
        """Close the wrapped iterator (a generator's ``finally:`` blocks run) with the schema set."""
        close = getattr(self._iterator, "close", None)
        if close is not None:
            _call_in(self._active, close)


class _AsyncIteratorInContext:
    """An async iterator that steps and closes ``iterator`` with ``active`` set."""

    def __init__(self, active: ActiveSchema, iterator: AsyncIterator[Any]) -> None:
        self._active = active
        self._iterator = iterator
        self._started = False
        self._finished = False
        self._closing: asyncio.Task[None] | None = None

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        self._started = True
        token = _active.set(self._active)
        try:
            return await anext(self._iterator)
        except BaseException:
            # Exhausted or failed: an async generator is finished either way.
            self._finished = True
            raise
        finally:
            _active.reset(token)

    async def aclose(self) -> None:
        """Close the wrapped iterator (an async generator's ``finally:`` blocks run) with the schema set."""
        self._finished = True
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is None:
            return
        token = _active.set(self._active)
        try:
            await aclose()
        finally:
            _active.reset(token)

    def close(self) -> None:
        """What ``response.close()`` calls: runs :meth:`aclose` when the body was left half-read.

        Django's servers call it from a worker thread, which can wait for the
        event loop; called from the event loop itself, the close is scheduled on it.
        """
        if not self._started or self._finished:
            self._finished = True
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            async_to_sync(self.aclose)()
            return
        # Keep a reference: the loop holds tasks weakly.
        self._closing = loop.create_task(self.aclose())


def iter_in_context(active: ActiveSchema, iterator: Iterator[Any]) -> Iterator[Any]:
    """``iterator`` with ``active`` set around each step and around ``close()`` (streaming responses)."""
    return _IteratorInContext(active, iterator)


def aiter_in_context(active: ActiveSchema, iterator: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The async form of :func:`iter_in_context`; ``aclose()``, and ``close()`` from a thread, run in ``active`` too."""
    return _AsyncIteratorInContext(active, iterator)


def _activate(active: ActiveSchema) -> Token[ActiveSchema | None]:
    return _active.set(active)


def _deactivate(token: Token[ActiveSchema | None]) -> None:
    _active.reset(token)
