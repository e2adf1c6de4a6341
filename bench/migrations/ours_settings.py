"""The django-pg-tenants benchmark project."""

from __future__ import annotations

import os

from common_settings import *  # noqa: F403
from common_settings import DATABASE, SHARED_COMMON, TENANT_APPS_COMMON

SHARED_APPS = ["pg_tenants.core", *SHARED_COMMON, "sandbox.customers", "pg_tenants.migrations"]
TENANT_APPS = TENANT_APPS_COMMON
INSTALLED_APPS = list(dict.fromkeys(SHARED_APPS + TENANT_APPS))
TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"
DATABASES = {"default": {"ENGINE": "pg_tenants.core.backend", **DATABASE}}
DATABASE_ROUTERS = ["pg_tenants.core.routers.TenantRouter"]
TENANT_RESOLVER = "sandbox.resolvers.SlugHostResolver"
# Spare copies of the template kept ready (BENCH_SPARES=N); 0 measures the plain clone.
TENANT_SPARE_SCHEMAS = int(os.environ.get("BENCH_SPARES", "0"))
