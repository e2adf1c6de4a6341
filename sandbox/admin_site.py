"""A project's own ``AdminSite`` subclass, to test the tenant admin outside Django's default site."""

from __future__ import annotations

from django.contrib import admin

from pg_tenants.admin.options import DomainAdmin, TenantAdmin
from sandbox.catalog.admin import CategoryAdmin
from sandbox.catalog.models import Category
from sandbox.customers.models import Client, Domain
from sandbox.notes.admin import NoteAdmin
from sandbox.notes.models import Note


class SandboxAdminSite(admin.AdminSite):
    site_header = "Sandbox operations"


sandbox_site = SandboxAdminSite(name="ops")
sandbox_site.register(Client, TenantAdmin)
sandbox_site.register(Domain, DomainAdmin)
sandbox_site.register(Note, NoteAdmin)
sandbox_site.register(Category, CategoryAdmin)
