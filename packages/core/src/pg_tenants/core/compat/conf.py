"""The 2.x settings the compatibility layer reads, each ``None`` when the project does not set it.

:mod:`.checks` reports those 3.0 ignores or reads under another name;
``MULTITENANT_TEMPLATE_DIRS`` is honoured by :mod:`.template_loaders`.
Typed ``Any``: a 2.x project may hold any value, and the checks name what to
do with whatever it is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from pg_tenants.core.conf import PackageSettings


class LegacySettings(PackageSettings):
    """Live accessors for the settings of django-pg-tenants 2.x that 3.0 does not read itself."""

    @property
    def TENANT_LIMIT_SET_CALLS(self) -> Any:
        """2.x: send ``SET search_path`` once per connection instead of per cursor. Ignored."""
        return self._get("TENANT_LIMIT_SET_CALLS", None)

    @property
    def PG_EXTRA_SEARCH_PATHS(self) -> Any:
        """2.x name of ``TENANT_EXTRA_SEARCH_PATHS``."""
        return self._get("PG_EXTRA_SEARCH_PATHS", None)

    @property
    def ORIGINAL_BACKEND(self) -> Any:
        """2.x name of ``TENANT_BASE_BACKEND``."""
        return self._get("ORIGINAL_BACKEND", None)

    @property
    def TENANT_PARALLEL_MIGRATION_MAX_PROCESSES(self) -> Any:
        """2.x: processes of ``migrate_schemas --executor=parallel``; 3.0 has ``TENANT_MIGRATION_JOBS``."""
        return self._get("TENANT_PARALLEL_MIGRATION_MAX_PROCESSES", None)

    @property
    def TENANT_PARALLEL_MIGRATION_CHUNKS(self) -> Any:
        """2.x: schemas handed to each migration process at a time. Ignored."""
        return self._get("TENANT_PARALLEL_MIGRATION_CHUNKS", None)

    @property
    def MULTITENANT_TEMPLATE_DIRS(self) -> Any:
        """Template folders searched first for a tenant; ``%s`` stands for its ``domain_url``."""
        return self._get("MULTITENANT_TEMPLATE_DIRS", None)


legacy_settings = LegacySettings()


def is_set(name: str) -> bool:
    """Whether the project's settings define ``name`` at all (a default is not the project's choice)."""
    return hasattr(settings, name)
