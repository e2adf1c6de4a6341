from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "sandbox.customers"
    label = "customers"
