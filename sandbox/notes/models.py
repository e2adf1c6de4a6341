from __future__ import annotations

from django.db import models


class Note(models.Model):
    """Tenant data: one table per tenant schema."""

    title = models.CharField(max_length=200)
    category = models.ForeignKey("catalog.Category", null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.title
