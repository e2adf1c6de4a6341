"""Admin for the shared Category (always in public)."""

from __future__ import annotations

from django.contrib import admin

from sandbox.catalog.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name",)
    search_fields = ("name",)
