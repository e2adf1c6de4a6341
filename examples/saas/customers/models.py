"""The tenant and domain models of the example."""

from __future__ import annotations

from django.db import models

from pg_tenants.core.models import DomainModel, TenantModel


class Client(TenantModel):
    """A customer of the SaaS: one row in public, one schema of its own."""

    # Deleting a customer in the admin deletes its schema and its data with it.
    auto_drop_schema = True

    name = models.CharField(max_length=100)
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.schema_name


class Domain(DomainModel):
    """A host name that reaches a client (used by the ``hostname`` resolver)."""
