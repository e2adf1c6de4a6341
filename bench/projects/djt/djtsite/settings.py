"""django-tenants settings, as its documentation recommends, with the same apps as ours."""

from __future__ import annotations

from benchsettings import COMMON, database

globals().update(COMMON)

SHARED_APPS = ["django_tenants", "djtsite", "django.contrib.contenttypes"]
TENANT_APPS = ["benchapp"]
INSTALLED_APPS = list(dict.fromkeys(SHARED_APPS + TENANT_APPS))
TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"
MIDDLEWARE = ["django_tenants.middleware.main.TenantMainMiddleware"]
ROOT_URLCONF = "benchapp.urls"
PUBLIC_SCHEMA_URLCONF = "benchapp.urls"
DATABASES = {"default": database("django_tenants.postgresql_backend")}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
