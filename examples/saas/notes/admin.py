"""Notes in the admin: with the tenant switcher, operators see the chosen tenant's notes."""

from __future__ import annotations

from django.contrib import admin

from .models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "author", "updated_at"]
    search_fields = ["title", "body"]
