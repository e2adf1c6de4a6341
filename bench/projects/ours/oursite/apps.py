from __future__ import annotations

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    """Tenant and domain models for django-pg-tenants."""

    name = "oursite"
    label = "customers"
