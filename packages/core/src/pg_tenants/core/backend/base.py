"""The tenant-aware ``DatabaseWrapper``.

Before every statement the wrapper compares the schema the session is known to
be in with the active one, and sends ``SET search_path`` only when they differ.
What "known" means is the whole game:

* a ``SET`` sent while a transaction is open is only trusted once the
  transaction commits: a rollback, a savepoint rollback or a failed commit
  forgets it, because PostgreSQL undoes it;
* a new, closed or broken connection is unknown, so the next statement sets the
  path again (a pooled connection may come back in another tenant's path);
* in ``TENANT_SEARCH_PATH_MODE = "transaction"`` (PgBouncer transaction pooling)
  nothing is trusted across transactions: the path is set with ``SET LOCAL``
  inside every transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.backends.utils import CursorWrapper

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.context import get_active_schema, search_path_names

from . import pooler
from .introspection import narrowed_introspection_class
from .operations import tenant_operations_class

_base = import_module(getattr(settings, "TENANT_BASE_BACKEND", "django.db.backends.postgresql") + ".base")


class _SearchPathMixin:
    """Make sure the search path is right before each statement a cursor sends."""

    db: DatabaseWrapper

    def _with_search_path(self, send: Callable[[], Any]) -> Any:
        db = self.db
        if db._transaction_control:  # SAVEPOINT & co. need no path
            return send()
        if db.search_path_needs_transaction():
            with transaction.atomic(using=db.alias):
                db.ensure_search_path()
                return send()
        db.ensure_search_path()
        return send()

    def execute(self, sql: Any, params: Any = None) -> Any:
        return self._with_search_path(lambda: super(_SearchPathMixin, self).execute(sql, params))  # type: ignore[misc]

    def executemany(self, sql: Any, param_list: Any) -> Any:
        return self._with_search_path(
            lambda: super(_SearchPathMixin, self).executemany(sql, param_list)  # type: ignore[misc]
        )

    def callproc(self, procname: Any, params: Any = None, kparams: Any = None) -> Any:
        return self._with_search_path(
            lambda: super(_SearchPathMixin, self).callproc(procname, params, kparams)  # type: ignore[misc]
        )


class TenantCursorWrapper(_SearchPathMixin, CursorWrapper):
    """Cursor wrapper used when queries are not logged."""


class TenantCursorDebugWrapper(_SearchPathMixin, _base.CursorDebugWrapper):  # type: ignore[name-defined]
    """Cursor wrapper used when queries are logged (``DEBUG``, ``assertNumQueries``)."""


class DatabaseWrapper(_base.DatabaseWrapper):  # type: ignore[name-defined]
    """A PostgreSQL ``DatabaseWrapper`` whose connections follow the active schema."""

    introspection_class = narrowed_introspection_class(_base.DatabaseWrapper.introspection_class)
    ops_class = tenant_operations_class(_base.DatabaseWrapper.ops_class)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The SET statement the session is known to run under, or None if unknown.
        self._search_path_sql: str | None = None
        # True when that SET was sent inside a transaction that has not committed yet.
        self._search_path_tentative = False
        # Schema to narrow the path to while introspecting (see introspection.py).
        self._narrow_to: str | None = None
        # True while a SAVEPOINT statement is sent: it needs no search path, and
        # a SET sent inside an aborted transaction would fail and block the
        # ROLLBACK TO SAVEPOINT that recovers from it.
        self._transaction_control = False

    # -- the check before each statement ---------------------------------

    def _wanted_sql(self) -> str:
        active = get_active_schema()
        if self._narrow_to is not None:
            return 'SET search_path = "' + self._narrow_to + '"'
        return active.search_path_sql

    def search_path_needs_transaction(self) -> bool:
        """In transaction mode, an autocommit statement is wrapped in its own transaction."""
        return self._transaction_mode and self.connection.autocommit and not self.in_atomic_block

    def ensure_search_path(self) -> None:
        """Send ``SET search_path`` if the session is not known to be on the active schema."""
        wanted = self._wanted_sql()
        if self._transaction_mode:
            self._ensure_local_search_path(wanted)
            return
        if wanted == self._search_path_sql:
            return
        in_transaction = not self.connection.autocommit
        self._send(wanted)
        self._search_path_sql = wanted
        self._search_path_tentative = in_transaction

    @property
    def _transaction_mode(self) -> bool:
        return tenant_settings.TENANT_SEARCH_PATH_MODE == "transaction"

    def _ensure_local_search_path(self, wanted: str) -> None:
        # Behind a transaction pooler the session is never ours between
        # transactions, so a session-level SET would leak into another client.
        # SET LOCAL lasts until the end of the current transaction only.
        local = wanted.replace("SET search_path", "SET LOCAL search_path", 1)
        if self._search_path_sql == local and self._search_path_tentative:
            return
        self._send(local)
        self._search_path_sql = local
        self._search_path_tentative = True

    def _send(self, sql: str) -> None:
        start = time.monotonic()
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
        except Exception:
            self._search_path_sql = None
            raise
        if self.queries_logged:
            self.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})

    # -- cursors -------------------------------------------------------------

    def make_cursor(self, cursor: Any) -> CursorWrapper:
        return TenantCursorWrapper(cursor, self)

    def make_debug_cursor(self, cursor: Any) -> CursorWrapper:
        return TenantCursorDebugWrapper(cursor, self)

    # -- what invalidates the known path -------------------------------------

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        self._search_path_sql = None
        self._search_path_tentative = False
        startup_sql = None
        if (
            tenant_settings.TENANT_SEARCH_PATH_ON_CONNECT
            and not self._transaction_mode
            and not self.settings_dict["OPTIONS"].get("pool")
            and self._narrow_to is None
        ):
            # The first statement of a new connection almost always needs the
            # active path; sending it with the start-up packet saves a round trip.
            active = get_active_schema()
            names = ",".join(search_path_names(active.schema_name))
            conn_params = dict(conn_params)
            options = conn_params.get("options") or ""
            conn_params["options"] = f"{options} -c search_path={names}".strip()
            startup_sql = active.search_path_sql
        connection = super().get_new_connection(conn_params)
        if not self._transaction_mode:
            report = pooler.cached_report(conn_params)
            if report is None:
                # Once per process and database: is a pooler in front of it?
                expected = conn_params["options"].rsplit("search_path=", 1)[1] if startup_sql else None
                try:
                    report = pooler.check_connection(connection, conn_params, expected)
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
                startup_sql = None
        self._search_path_sql = startup_sql
        return connection

    def close(self) -> None:
        self._forget_search_path()
        super().close()

    def _forget_search_path(self) -> None:
        self._search_path_sql = None
        self._search_path_tentative = False

    def _commit(self) -> Any:
        try:
            result = super()._commit()
        except Exception:
            self._forget_search_path()
            raise
        if self._transaction_mode:
            self._forget_search_path()
        self._search_path_tentative = False
        return result

    def _rollback(self) -> Any:
        try:
            return super()._rollback()
        finally:
            if self._search_path_tentative or self._transaction_mode:
                self._forget_search_path()

    @contextmanager
    def _controlling_transaction(self) -> Iterator[None]:
        """Statements sent inside are transaction control (SAVEPOINT & co.): no search-path check."""
        self._transaction_control = True
        try:
            yield
        finally:
            self._transaction_control = False

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
            if self._search_path_tentative:
                self._forget_search_path()

    def _set_autocommit(self, autocommit: bool) -> Any:
        result = super()._set_autocommit(autocommit)
        if self._transaction_mode:
            self._forget_search_path()
        return result
