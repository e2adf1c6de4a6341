from __future__ import annotations

from django.db import models


class Category(models.Model):
    """Shared data: lives in public, visible from every tenant."""

    name = models.CharField(max_length=50, unique=True)

    def __str__(self) -> str:
        return self.name
