"""File storages that keep django-pg-tenants 2.x's layout: a tenant's files under ``<location>/<domain_url>/``.

2.x's ``TenantFileSystemStorage`` put each tenant's files in a folder named
after its ``domain_url``, and stored names relative to that folder in the
database. These do the same, so the files already on disk are found::

    STORAGES = {
        "default": {"BACKEND": "pg_tenants.core.compat.storage.TenantFileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

The folder is that of the active tenant when it is known (a request's tenant,
``tenant_context``); with no tenant row at hand (``schema_context``, outside
requests) files go to the location itself, as 2.x did. New projects give
uploads a path that starts with the schema name instead (docs: templates,
static and media).
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.staticfiles.storage import StaticFilesStorage
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join

from pg_tenants.core.context import get_active_schema


class TenantStorageMixin:
    """``path()`` under the active tenant's ``domain_url`` folder; mix into a ``FileSystemStorage``."""

    location: str

    def path(self, name: str | os.PathLike[str]) -> str:
        """The file's path on disk, inside the active tenant's folder."""
        folder = _tenant_folder()
        location = safe_join(self.location, folder) if folder else self.location
        try:
            return os.path.normpath(safe_join(location, name or ""))
        except ValueError:
            raise SuspiciousOperation(f"Attempted access to {str(name)!r} denied.") from None

    def _save(self, name: str, content: Any) -> str:
        # Django returns the name relative to the storage's location, which
        # would put the tenant's folder into the name stored in the database.
        saved: str = super()._save(name, content)  # type: ignore[misc]
        folder = _tenant_folder()
        return saved.removeprefix(folder.rstrip("/") + "/") if folder else saved


def _tenant_folder() -> str:
    tenant = get_active_schema().tenant
    return str(getattr(tenant, "domain_url", "") or "") if tenant is not None else ""


class TenantFileSystemStorage(TenantStorageMixin, FileSystemStorage):
    """Django's ``FileSystemStorage``, one folder per tenant's ``domain_url``."""


class TenantStaticFilesStorage(TenantStorageMixin, StaticFilesStorage):
    """Django's ``StaticFilesStorage``, one folder per tenant's ``domain_url``."""
