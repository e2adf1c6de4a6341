"""``DATABASE_ROUTERS = ["pg_tenants.core.routers.TenantRouter"]``."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.signals import setting_changed
from django.dispatch import receiver

from .conf import tenant_settings
from .context import get_current_schema_name


def app_labels(entries: Iterable[str]) -> frozenset[str]:
    """App labels of ``SHARED_APPS`` / ``TENANT_APPS`` entries (module paths or AppConfig paths)."""
    by_name = {config.name: config.label for config in apps.get_app_configs()}
    by_class = {f"{type(c).__module__}.{type(c).__qualname__}": c.label for c in apps.get_app_configs()}
    labels = set()
    for entry in entries:
        label = by_name.get(entry) or by_class.get(entry)
        if label is None:
            # Not installed (a system check reports it); fall back to the last dotted part.
            label = entry.rpartition(".")[2]
        labels.add(label)
    return frozenset(labels)


@functools.cache
def shared_app_labels() -> frozenset[str]:
    """Labels of the apps migrated into public."""
    return app_labels(tenant_settings.SHARED_APPS)


@functools.cache
def tenant_app_labels() -> frozenset[str]:
    """Labels of the apps migrated into every tenant schema."""
    return app_labels(tenant_settings.TENANT_APPS)


@receiver(setting_changed)
def _reset_labels(*, setting: str, **kwargs: Any) -> None:
    if setting in {"SHARED_APPS", "TENANT_APPS", "INSTALLED_APPS"}:
        shared_app_labels.cache_clear()
        tenant_app_labels.cache_clear()


class TenantRouter:
    """Migrates ``SHARED_APPS`` into public and ``TENANT_APPS`` into tenant schemas.

    An app listed in both is migrated into both. Which side a migration is on is
    decided by the active schema, which ``migrate_schemas`` (or ``migrate``
    inside :func:`~pg_tenants.core.schema_context`) sets.
    """

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        if get_current_schema_name() == tenant_settings.PUBLIC_SCHEMA_NAME:
            return app_label in shared_app_labels()
        return app_label in tenant_app_labels()
