"""Template loaders that keep django-pg-tenants 2.x's per-tenant folders (``MULTITENANT_TEMPLATE_DIRS``).

::

    MULTITENANT_TEMPLATE_DIRS = [BASE_DIR / "tenants/%s/templates"]   # %s: the tenant's domain_url
    TEMPLATES = [{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {"loaders": [
            ("pg_tenants.core.compat.template_loaders.CachedLoader", [
                "pg_tenants.core.compat.template_loaders.FilesystemLoader",
                "django.template.loaders.app_directories.Loader",
            ]),
        ]},
    }]

As in 2.x, the folders count only when the active tenant is known (a
request's tenant, ``tenant_context``). A new project keys its folders by
schema name instead (docs: templates, static and media).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.template.loaders import cached, filesystem

from pg_tenants.core.context import get_active_schema

from .conf import legacy_settings


class FilesystemLoader(filesystem.Loader):
    """Django's filesystem loader, searching the active tenant's ``MULTITENANT_TEMPLATE_DIRS`` first."""

    def get_dirs(self) -> list[Any]:
        dirs = list(super().get_dirs())
        tenant = get_active_schema().tenant
        if tenant is None:
            return dirs
        templates = legacy_settings.MULTITENANT_TEMPLATE_DIRS
        if templates is None:
            raise ImproperlyConfigured(
                f"{__name__}.FilesystemLoader needs MULTITENANT_TEMPLATE_DIRS: the tenant template folders, "
                'with "%s" where the tenant\'s domain_url goes.'
            )
        domain_url = getattr(tenant, "domain_url", "")
        own = [str(d) % domain_url if "%s" in str(d) else str(d) for d in templates]
        return list(dict.fromkeys([*own, *dirs]))


class CachedLoader(cached.Loader):
    """Django's cached loader, with one cache entry per schema and template."""

    def cache_key(self, template_name: str, skip: Any = None) -> str:
        key = super().cache_key(template_name, skip)
        active = get_active_schema()
        return key if active.tenant is None else f"{active.schema_name}-{key}"
