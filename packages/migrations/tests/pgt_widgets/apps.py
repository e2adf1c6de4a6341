from __future__ import annotations

from django.apps import AppConfig


class WidgetsConfig(AppConfig):
    name = "packages.migrations.tests.pgt_widgets"
    label = "pgt_widgets"
    default_auto_field = "django.db.models.BigAutoField"
