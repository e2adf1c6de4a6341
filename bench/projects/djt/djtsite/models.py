from __future__ import annotations

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Client(TenantMixin):
    """A tenant, as django-tenants' documentation sets one up."""

    name = models.CharField(max_length=100, blank=True)
    auto_create_schema = True


class Domain(DomainMixin):
    """A host name of a tenant."""
