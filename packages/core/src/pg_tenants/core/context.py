"""The active schema, kept in a :class:`contextvars.ContextVar`.

Threads, ``async`` tasks and ``sync_to_async`` hops each see their own value,
so a tenant activated for one request can never be seen by another. The
context managers keep what they must restore in a ``ContextVar`` too, so one
``tenant_context(...)`` object can be entered by many threads and tasks at once.

This module knows schemas, not tenant rows: the tenant of the active schema,
when it has to be looked up, is :func:`pg_tenants.core.current.get_current_tenant`'s
job (it needs the tenant cache, which sits above this module).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.signals import setting_changed
from django.dispatch import receiver

from .conf import tenant_settings
from .validation import validate_schema_name

if TYPE_CHECKING:
    from .models import TenantModel

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ActiveSchema:
    """What is active: a schema, and the tenant it belongs to when known.

    The statements that put a connection on it are the backend's business
    (``pg_tenants.core.backend.gate``).
    """

    schema_name: str
    tenant: TenantModel | None = None

    @classmethod
    def for_schema(cls, schema_name: str, tenant: TenantModel | None = None) -> ActiveSchema:
        return cls(schema_name, tenant)


_active: ContextVar[ActiveSchema | None] = ContextVar("pg_tenants_active", default=None)
_public: ActiveSchema | None = None


def search_path_names(schema_name: str) -> list[str]:
    """The search path of a schema, in order: itself, then public, then ``TENANT_EXTRA_SEARCH_PATHS``."""
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


def get_active_schema() -> ActiveSchema:
    """The active schema (public when none is active). Costs no SQL."""
    return _active.get() or public_schema()


def get_current_schema_name() -> str:
    """Name of the active schema (``PUBLIC_SCHEMA_NAME`` when none is active)."""
    active = _active.get()
    return active.schema_name if active is not None else tenant_settings.PUBLIC_SCHEMA_NAME


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

    The previous tenant is restored on exit, exceptions included:

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


# -- for the library's own frameworks (middleware, backend, test cases) ----------------


def activate(active: ActiveSchema) -> Token[ActiveSchema | None]:
    """Make ``active`` the active schema until :func:`deactivate` is given the returned token.

    For code whose start and end are in different calls (a middleware, a test
    class's set-up and tear-down); everything else should use
    :func:`tenant_context` or :func:`run_in`.
    """
    return _active.set(active)


def deactivate(token: Token[ActiveSchema | None]) -> None:
    """Restore what was active before the :func:`activate` call that returned ``token``."""
    _active.reset(token)


def run_in(active: ActiveSchema, func: Callable[..., T], /, *args: Any) -> T:
    """Call ``func(*args)`` with ``active`` as the active schema, then restore the previous one."""
    token = _active.set(active)
    try:
        return func(*args)
    finally:
        _active.reset(token)
