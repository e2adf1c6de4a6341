"""Registers the tenant and domain admins on Django's default site (``TENANT_ADMIN_REGISTER``)."""

from __future__ import annotations

from django.contrib import admin

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.registry import get_domain_model, get_tenant_model

from .conf import admin_settings
from .options import DomainAdmin, TenantAdmin

if admin_settings.TENANT_ADMIN_REGISTER:
    tenant_model = get_tenant_model()
    if not admin.site.is_registered(tenant_model):
        admin.site.register(tenant_model, TenantAdmin)
    if tenant_settings.TENANT_DOMAIN_MODEL:
        domain_model = get_domain_model()
        if not admin.site.is_registered(domain_model):
            admin.site.register(domain_model, DomainAdmin)
