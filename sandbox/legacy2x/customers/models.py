from django.db import models

from pg_tenants.core.compat.models import TenantMixin
from pg_tenants.core.models import DomainModel


class Client(TenantMixin):
    name = models.CharField(max_length=100)


class Domain(DomainModel):
    pass
