"""What a django-pg-tenants 2.x (``tenant_schemas``) project imports, under ``pg_tenants.core.compat``.

The names of ``tenant_schemas.utils`` that 3.0 can honour, so the move is an
import rewrite (``tenant_schemas.utils`` becomes ``pg_tenants.core.compat``)::

    from pg_tenants.core.compat import get_public_schema_name, schema_context, tenant_context

The rest of the layer has one module per 2.x module it stands in for:
:mod:`.models` (``TenantMixin`` with ``domain_url``), :mod:`.storage`,
:mod:`.template_loaders` and :mod:`.log`; :mod:`.upgrade` is the data step of
the move and :mod:`.checks` reports what is left of 2.x in the settings.
``docs/guides/from-2x.md`` is the guide.
"""

from __future__ import annotations

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.context import schema_context, tenant_context
from pg_tenants.core.registry import get_domain_model, get_tenant_model
from pg_tenants.core.routers import app_labels
from pg_tenants.core.schema import schema_exists

__all__ = [
    "app_labels",
    "get_domain_model",
    "get_public_schema_name",
    "get_tenant_model",
    "remove_www",
    "schema_context",
    "schema_exists",
    "tenant_context",
]


def get_public_schema_name() -> str:
    """``PUBLIC_SCHEMA_NAME`` (``"public"`` unless set), as 2.x's ``tenant_schemas.utils`` returned it."""
    return tenant_settings.PUBLIC_SCHEMA_NAME


def remove_www(hostname: str) -> str:
    """``hostname`` without a leading ``www.``, as 2.x's middleware matched it against ``domain_url``."""
    return hostname.removeprefix("www.")
