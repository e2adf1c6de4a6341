"""The tenant-aware ``DatabaseWrapper``.

Every driver cursor it makes is a :class:`~.gate.GatedCursor`, so every
statement passes the search-path gate (:mod:`.gate`), which sends the active
schema's path only when the session is not on it already. This module wires
the gate into the connection's life: a new or pooled connection, commit,
rollback, savepoint rollback, close. It also keeps ``transaction.on_commit``
callbacks in the schema that registered them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.context import ActiveSchema, get_active_schema, run_in, search_path_names

from . import pooler
from .gate import GatedCursor, SearchPath, SearchPathGate, recently_seen, search_path
from .introspection import narrowed_introspection_class
from .operations import tenant_operations_class

_base = import_module(getattr(settings, "TENANT_BASE_BACKEND", "django.db.backends.postgresql") + ".base")

_paths: dict[str, SearchPath] = {}


def _search_path_for(schema_name: str) -> SearchPath:
    path = _paths.get(schema_name)
    if path is None:
        path = _paths[schema_name] = search_path(tuple(search_path_names(schema_name)))
    return path


def _forget_paths(*, setting: str, **kwargs: Any) -> None:
    if setting in {"PUBLIC_SCHEMA_NAME", "TENANT_EXTRA_SEARCH_PATHS"}:
        _paths.clear()


setting_changed.connect(_forget_paths, dispatch_uid="pg_tenants_backend_paths")


class DatabaseWrapper(_base.DatabaseWrapper):  # type: ignore[name-defined]
    """A PostgreSQL ``DatabaseWrapper`` whose connections follow the active schema."""

    introspection_class = narrowed_introspection_class(_base.DatabaseWrapper.introspection_class)
    ops_class = tenant_operations_class(_base.DatabaseWrapper.ops_class)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The search-path state of this connection (see :mod:`pg_tenants.core.backend.gate`).
        self.search_path_gate = SearchPathGate(self)
        # Schema to narrow the path to while introspecting (see introspection.py).
        self._narrow_to: str | None = None
        # True while a SAVEPOINT statement is sent: it needs no search path, and
        # a SET sent inside an aborted transaction would fail and block the
        # ROLLBACK TO SAVEPOINT that recovers from it.
        self.in_transaction_control = False

    # -- what the gate asks ---------------------------------------------------------

    @property
    def search_path_mode(self) -> str:
        """``"session"`` or ``"transaction"``: this alias's ``TENANT_SEARCH_PATH_MODE``, else the setting."""
        return str(self.settings_dict.get("TENANT_SEARCH_PATH_MODE") or tenant_settings.TENANT_SEARCH_PATH_MODE)

    def wanted_search_path(self) -> SearchPath:
        """The path the next statement must run under."""
        if self._narrow_to is not None:
            return search_path((self._narrow_to,))
        return _search_path_for(get_active_schema().schema_name)

    def ensure_search_path(self) -> None:
        """Set the active path now if the session is not on it (the next statement would do it anyway)."""
        self.ensure_connection()
        self.search_path_gate.ensure()

    # -- cursors -------------------------------------------------------------------------

    def create_cursor(self, name: str | None = None) -> Any:
        return GatedCursor(super().create_cursor(name), self, named=name is not None)

    # -- the connection's life -------------------------------------------------------------

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        gate = self.search_path_gate
        gate.disconnected()
        transaction_mode = self.search_path_mode == "transaction"
        startup: str | None = None
        if (
            tenant_settings.TENANT_SEARCH_PATH_ON_CONNECT
            and not transaction_mode
            and not self.settings_dict["OPTIONS"].get("pool")
        ):
            # The first statement of a new connection almost always needs the
            # active path; sending it with the start-up packet saves a round trip.
            # A start-up option cannot check that the schema exists, so a tenant
            # schema goes there only if a path to it was just set successfully;
            # otherwise public goes there and the gate sets the tenant's path.
            path = self.wanted_search_path()
            if path.schema_name != tenant_settings.PUBLIC_SCHEMA_NAME and not recently_seen(path.schema_name):
                path = _search_path_for(tenant_settings.PUBLIC_SCHEMA_NAME)
            conn_params = dict(conn_params)
            options = conn_params.get("options") or ""
            conn_params["options"] = f"{options} -c search_path={path.value}".strip()
            startup = path.value
        connection = super().get_new_connection(conn_params)
        trust_report = False
        if not transaction_mode:
            report = pooler.cached_report(conn_params)
            if report is None:
                # Once per process and database: is a pooler in front of it?
                try:
                    report = pooler.check_connection(connection, conn_params, startup)
                except BaseException:
                    connection.close()
                    raise
            if report.kind == "transaction":
                connection.close()
                raise ImproperlyConfigured(
                    f"Database {self.alias!r} is reached through a transaction pooler (PgBouncer "
                    "pool_mode = transaction?): a session-level SET search_path would follow the server "
                    'connection to other clients and tenants. Set TENANT_SEARCH_PATH_MODE = "transaction" '
                    "(see the PgBouncer guide), or use pool_mode = session."
                )
            if report.startup_option_ignored:
                startup = None
            # Behind a pooler the reported value may come from another server connection.
            trust_report = report.kind == "direct"
        gate.connected(connection, confirmed=startup, trust_report=trust_report)
        return connection

    def close(self) -> None:
        self.search_path_gate.disconnected()
        super().close()

    def _commit(self) -> Any:
        try:
            result = super()._commit()
        except Exception:
            self.search_path_gate.forget()
            raise
        self.search_path_gate.committed()
        return result

    def _rollback(self) -> Any:
        try:
            return super()._rollback()
        finally:
            self.search_path_gate.rolled_back()

    @contextmanager
    def _controlling_transaction(self) -> Iterator[None]:
        """Statements sent inside are transaction control (SAVEPOINT & co.): no search-path check."""
        self.in_transaction_control = True
        try:
            yield
        finally:
            self.in_transaction_control = False

    def _savepoint(self, sid: str) -> Any:
        with self._controlling_transaction():
            return super()._savepoint(sid)

    def _savepoint_commit(self, sid: str) -> Any:
        with self._controlling_transaction():
            return super()._savepoint_commit(sid)

    def _savepoint_rollback(self, sid: str) -> Any:
        try:
            with self._controlling_transaction():
                return super()._savepoint_rollback(sid)
        finally:
            # A path set inside the savepoint is undone with it.
            self.search_path_gate.rolled_back()

    def _set_autocommit(self, autocommit: bool) -> Any:
        result = super()._set_autocommit(autocommit)
        if self.search_path_mode == "transaction":
            self.search_path_gate.committed()  # a SET LOCAL never outlives its transaction
        return result

    # -- callbacks -------------------------------------------------------------------------

    def on_commit(self, func: Callable[[], Any], robust: bool = False) -> None:
        """Like Django's, but ``func`` runs in the schema that was active when it was registered."""
        if not callable(func):
            raise TypeError("on_commit()'s callback must be a callable.")
        super().on_commit(InRegisteringSchema(func, get_active_schema()), robust)


class InRegisteringSchema:
    """An ``on_commit`` callback that runs in the schema it was registered in.

    It compares equal to the function it wraps, so ``captureOnCommitCallbacks()``
    and other code that looks at the registered callbacks still finds them.
    """

    __slots__ = ("__wrapped__", "active")

    def __init__(self, func: Callable[[], Any], active: ActiveSchema) -> None:
        self.__wrapped__ = func
        self.active = active

    def __call__(self) -> Any:
        return run_in(self.active, self.__wrapped__)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, InRegisteringSchema):
            return bool(self.__wrapped__ == other.__wrapped__)
        return bool(self.__wrapped__ == other)

    def __hash__(self) -> int:
        return hash(self.__wrapped__)

    def __getattr__(self, name: str) -> Any:
        # __qualname__ (Django logs it when a robust callback fails) and the like come from the function.
        if name == "__wrapped__":
            raise AttributeError(name)
        return getattr(self.__wrapped__, name)

    def __repr__(self) -> str:
        return f"<{self.__wrapped__!r} in schema {self.active.schema_name!r}>"
