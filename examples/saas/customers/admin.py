"""The customers in the admin: the admin package's tenant and domain admins, registered here.

``TENANT_ADMIN_REGISTER = False`` in the settings lets the project register
them itself, which is how you would add your own columns or filters.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin

from .models import Client, Domain

if apps.is_installed("pg_tenants.admin"):
    from pg_tenants.admin.options import DomainAdmin, DomainInline, TenantAdmin

    class ClientDomainInline(DomainInline):
        # Named on the class as well, where Django's admin checks look for it.
        model = Domain

    @admin.register(Client)
    class ClientAdmin(TenantAdmin):
        inlines = [ClientDomainInline]
        list_filter = ["is_active"]

    admin.site.register(Domain, DomainAdmin)
else:
    admin.site.register(Client)
    admin.site.register(Domain)
