from __future__ import annotations

from django.db import models

from pg_tenants.core.models import DomainModel, TenantModel


class Client(TenantModel):
    name = models.CharField(max_length=100, blank=True)
    auto_drop_schema = True


class Domain(DomainModel):
    pass
