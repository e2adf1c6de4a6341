"""The django-tenants 4.0.1 benchmark project (runs in its own venv)."""

from __future__ import annotations

import os

from common_settings import *  # noqa: F403
from common_settings import DATABASE, SHARED_COMMON, TENANT_APPS_COMMON

SHARED_APPS = ["django_tenants", "djtcustomers", *SHARED_COMMON]
TENANT_APPS = TENANT_APPS_COMMON
INSTALLED_APPS = list(dict.fromkeys(SHARED_APPS + TENANT_APPS))
TENANT_MODEL = "djtcustomers.Client"
TENANT_DOMAIN_MODEL = "djtcustomers.Domain"
DATABASES = {"default": {"ENGINE": "django_tenants.postgresql_backend", **DATABASE}}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
if os.environ.get("BENCH_DJT_CLONE"):
    TENANT_BASE_SCHEMA = os.environ["BENCH_DJT_TEMPLATE"]
    TENANT_CREATION_FAKES_MIGRATIONS = True
