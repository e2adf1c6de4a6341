"""Test helpers for projects that use django-pg-tenants.

* :class:`TenantTestCase` - a ``TestCase`` running in a tenant schema that is
  created once per test run and reused by every class.
* :class:`TenantClient` - a test client whose requests reach a given tenant.
* pytest fixtures ``tenant`` and ``tenant_client`` (plugin ``pg_tenants``,
  loaded automatically when the package is installed).
* :class:`CaptureSearchPath` - the search paths the backend set inside a block
  (Django's query capture does not list them).
* :func:`database_url` / :func:`database_settings` - ``DATABASE_URL``, or an
  embedded PostgreSQL started from a wheel when it is unset.

Only what a project's own test suite uses is shipped here. The database
helpers stay although settings modules call them (the example project's
settings do, and so can a project's test settings): they start nothing while
``DATABASE_URL`` is set, so a production settings module that imports them
costs one environment read, and a machine with only Python can still run the
tests and the example. Tooling used only by this repository's tests (a
throw-away PgBouncer, a WSGI caller, a catalog comparer) lives in its
``sandbox/tooling/`` and is not in any wheel.
"""

from __future__ import annotations

from typing import Any

from .database import database_settings, database_url
from .search_path import CaptureSearchPath

__all__ = [
    "AsyncTenantClient",
    "CaptureSearchPath",
    "TenantClient",
    "TenantTestCase",
    "database_settings",
    "database_url",
    "get_test_tenant",
]


def __getattr__(name: str) -> Any:
    # The test case classes import models; settings modules import this package
    # for database_url() before the app registry is ready.
    if name in {"AsyncTenantClient", "TenantClient", "TenantTestCase", "get_test_tenant"}:
        from . import cases

        return getattr(cases, name)
    raise AttributeError(name)
