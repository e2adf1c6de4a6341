from __future__ import annotations

from django.apps import AppConfig


class PlainSiteConfig(AppConfig):
    """Holds the project's ``bench_setup`` command."""

    name = "plainsite"
    label = "plainsite"
