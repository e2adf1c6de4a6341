"""django-pg-tenants: schema-per-tenant multi-tenancy for Django on PostgreSQL.

The public API:

    from pg_tenants.core import (
        tenant_context, schema_context, get_current_tenant,
        aget_current_tenant,  # the same, for async code
        get_tenant_model, get_domain_model,
    )
"""

from __future__ import annotations

from .context import get_current_schema_name, public_context, schema_context, tenant_context
from .current import aget_current_tenant, get_current_tenant
from .registry import get_domain_model, get_tenant_model

__all__ = [
    "aget_current_tenant",
    "get_current_schema_name",
    "get_current_tenant",
    "get_domain_model",
    "get_tenant_model",
    "public_context",
    "schema_context",
    "tenant_context",
]
