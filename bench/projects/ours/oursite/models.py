from __future__ import annotations

from django.db import models

from pg_tenants.core.models import DomainModel, TenantModel


class Client(TenantModel):
    """A tenant."""

    name = models.CharField(max_length=100, blank=True)


class Domain(DomainModel):
    """A host name of a tenant."""
