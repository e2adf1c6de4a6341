from __future__ import annotations

from django.db import models


class Item(models.Model):
    """A row per tenant; the view reads one."""

    name = models.CharField(max_length=100)
    value = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.name
