from __future__ import annotations

from django.apps import AppConfig


class NotesConfig(AppConfig):
    """Each tenant's notes (a tenant app: one table per tenant schema)."""

    name = "notes"
    label = "notes"
    verbose_name = "Notes"
