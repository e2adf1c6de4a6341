from __future__ import annotations

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    """The tenant registry and the public sign-up (a shared app, in public)."""

    name = "customers"
    label = "customers"
    verbose_name = "Customers"
