"""Admin for the tenant app's Note (read and written in the tenant chosen in the admin switcher)."""

from __future__ import annotations

from django.contrib import admin

from sandbox.notes.models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "category")
    search_fields = ("title",)
