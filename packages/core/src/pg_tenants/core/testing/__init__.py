"""Test helpers for projects that use django-pg-tenants.

* :class:`TenantTestCase` - a ``TestCase`` running in a tenant schema that is
  created once per test run and reused by every class.
* :class:`TenantClient` - a test client whose requests reach a given tenant.
* pytest fixtures ``tenant`` and ``tenant_client`` (plugin ``pg_tenants``,
  loaded automatically when the package is installed).
* :class:`CaptureSearchPath` - the search paths the backend set inside a block
  (Django's query capture does not list them).
* :func:`database_url` - ``DATABASE_URL``, or an embedded PostgreSQL started
  from a wheel when it is unset.
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
