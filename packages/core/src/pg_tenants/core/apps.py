"""App configuration for ``pg_tenants.core`` (label ``pg_tenants``)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .cache import tenant_cache
from .conf import tenant_settings
from .contenttypes import install_schema_keyed_contenttype_cache
from .schema import drop_schema
from .signals import schema_dropped
from .sites import install_schema_keyed_site_cache


class PgTenantsConfig(AppConfig):
    """Connects the tenant cache and schema clean-up to the project's models."""

    name = "pg_tenants.core"
    label = "pg_tenants"
    verbose_name = "Tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported for its side effect, once the models it checks are loaded.
        from . import checks  # noqa: F401
        from .compat import checks as _compat_checks  # noqa: F401

        if apps.is_installed("django.contrib.contenttypes"):
            install_schema_keyed_contenttype_cache()
        if apps.is_installed("django.contrib.sites"):
            install_schema_keyed_site_cache()

        for setting in ("TENANT_MODEL", "TENANT_DOMAIN_MODEL"):
            label = getattr(tenant_settings, setting)
            if not label:
                continue
            post_save.connect(_invalidate_cache, sender=label, dispatch_uid=f"pg_tenants_save_{setting}")
            post_delete.connect(_invalidate_cache, sender=label, dispatch_uid=f"pg_tenants_delete_{setting}")
        if tenant_settings.TENANT_MODEL:
            post_delete.connect(
                _drop_schema, sender=tenant_settings.TENANT_MODEL, dispatch_uid="pg_tenants_drop_schema"
            )


def _invalidate_cache(sender: Any, using: str = "default", **kwargs: Any) -> None:
    tenant_cache.invalidate()
    # Another request may have re-read the old row before this transaction commits.
    transaction.on_commit(tenant_cache.invalidate, using=using)


def _drop_schema(sender: Any, instance: Any, using: str = "default", **kwargs: Any) -> None:
    # Runs inside the deleting transaction: a failed delete keeps the schema.
    if not getattr(instance, "auto_drop_schema", False) or instance.is_public:
        return
    drop_schema(instance.schema_name, using=using)
    schema_dropped.send(sender=sender, schema_name=instance.schema_name)
