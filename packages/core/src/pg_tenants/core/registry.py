"""The project's tenant and domain models, named by ``TENANT_MODEL`` and ``TENANT_DOMAIN_MODEL``.

Looked up in Django's app registry on each call (no model is imported here),
so this module can be imported before the apps are ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from .conf import tenant_settings

if TYPE_CHECKING:
    from .models import DomainModel, TenantModel


def get_tenant_model() -> type[TenantModel]:
    """The model named by ``TENANT_MODEL``."""
    return cast("type[TenantModel]", _get_model("TENANT_MODEL", tenant_settings.TENANT_MODEL))


def get_domain_model() -> type[DomainModel]:
    """The model named by ``TENANT_DOMAIN_MODEL``."""
    return cast("type[DomainModel]", _get_model("TENANT_DOMAIN_MODEL", tenant_settings.TENANT_DOMAIN_MODEL))


def _get_model(setting: str, label: str) -> type:
    if not label:
        raise ImproperlyConfigured(f'{setting} is not set: set it to "app_label.ModelName".')
    try:
        return apps.get_model(label, require_ready=False)
    except (ValueError, LookupError) as exc:
        raise ImproperlyConfigured(f"{setting} refers to {label!r}, which is not an installed model: {exc}") from exc
