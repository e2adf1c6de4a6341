"""Notes: tenant data, one ``notes_note`` table in every tenant schema."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Note(models.Model):
    """A note written by one of the tenant's own users."""

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # The tenant's own user table (auth is in TENANT_APPS), never the operators' one.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title
