from __future__ import annotations

from django.apps import AppConfig


class BenchAppConfig(AppConfig):
    """The tenant app of the benchmark projects."""

    name = "benchapp"
    label = "benchapp"
    default_auto_field = "django.db.models.BigAutoField"
