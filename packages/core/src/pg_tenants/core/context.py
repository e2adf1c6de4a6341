"""The active tenant, kept in a :class:`contextvars.ContextVar`.

Threads, ``async`` tasks and ``sync_to_async`` hops each see their own value,
so a tenant activated for one request can never be seen by another.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

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
    """
    active = get_active_schema()
    if active.tenant is not None:
        return active.tenant
    from .cache import tenant_cache

    return tenant_cache.tenant_for_schema(active.schema_name)


class _Activation:
    """Context manager and decorator, sync and async, that makes a schema active."""

    def __init__(self, make: Callable[[], ActiveSchema]) -> None:
        self._make = make
        self._tokens: list[Token[ActiveSchema | None]] = []

    def __enter__(self) -> TenantModel | None:
        active = self._make()
        self._tokens.append(_active.set(active))
        return active.tenant

    def __exit__(self, *exc_info: object) -> None:
        _active.reset(self._tokens.pop())

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


def iter_in_context(active: ActiveSchema, iterator: Iterator[Any]) -> Iterator[Any]:
    """Yield from ``iterator`` with ``active`` set around each step (streaming responses)."""
    while True:
        token = _active.set(active)
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            _active.reset(token)
        yield item


def _activate(active: ActiveSchema) -> Token[ActiveSchema | None]:
    return _active.set(active)


def _deactivate(token: Token[ActiveSchema | None]) -> None:
    _active.reset(token)
