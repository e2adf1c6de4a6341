"""pytest fixtures for projects using django-pg-tenants (needs pytest-django).

* ``tenant`` - a tenant (schema ``test_tenant``, created once per run), active
  for the duration of the test.
* ``tenant_client`` - a :class:`~pg_tenants.core.testing.TenantClient` for it.

Override ``pg_tenants_tenant_fields`` to fill your tenant model's required fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pg_tenants.core.context import tenant_context


@pytest.fixture(scope="session")
def pg_tenants_tenant_fields() -> dict[str, Any]:
    """Extra field values for the test tenant; override in your ``conftest.py``."""
    return {}


@pytest.fixture(scope="session")
def _pg_tenants_session_tenant(
    django_db_setup: Any, django_db_blocker: Any, pg_tenants_tenant_fields: dict[str, Any]
) -> Any:
    # cases imports the models, which only exist once pytest-django has set Django up.
    from .cases import get_test_tenant

    with django_db_blocker.unblock():
        return get_test_tenant("test_tenant", **pg_tenants_tenant_fields)


@pytest.fixture
def tenant(db: Any, _pg_tenants_session_tenant: Any) -> Iterator[Any]:
    """The test tenant, active while the test runs."""
    with tenant_context(_pg_tenants_session_tenant):
        yield _pg_tenants_session_tenant


@pytest.fixture
def tenant_client(tenant: Any) -> Any:
    """A test client whose requests reach the test tenant."""
    from .cases import TenantClient

    return TenantClient(tenant)
