"""django-pg-tenants settings with the same apps as the django-tenants project."""

from __future__ import annotations

import os
from importlib.util import find_spec

from benchsettings import COMMON, database

globals().update(COMMON)

SHARED_APPS = ["pg_tenants.core", "oursite", "django.contrib.contenttypes"]
TENANT_APPS = ["benchapp"]
if find_spec("pg_tenants.migrations") is not None:
    SHARED_APPS.append("pg_tenants.migrations")
INSTALLED_APPS = list(dict.fromkeys(SHARED_APPS + TENANT_APPS))
TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"
# The shipped "hostname" resolver when the resolvers package is installed, else
# the equivalent few lines in oursite/resolvers.py; BENCH_OURS_RESOLVER overrides.
TENANT_RESOLVER = os.environ.get("BENCH_OURS_RESOLVER") or (
    "hostname" if find_spec("pg_tenants.resolvers") is not None else "oursite.resolvers.HostResolver"
)
MIDDLEWARE = ["pg_tenants.core.middleware.TenantMiddleware"]
ROOT_URLCONF = "benchapp.urls"
DATABASES = {"default": database("pg_tenants.core.backend")}
DATABASE_ROUTERS = ["pg_tenants.core.routers.TenantRouter"]
# Library defaults otherwise (tenant cache of 10,000 entries, LocMem default cache).
if os.environ.get("BENCH_TENANT_CACHE_MAX_ENTRIES"):
    TENANT_CACHE_MAX_ENTRIES = int(os.environ["BENCH_TENANT_CACHE_MAX_ENTRIES"])
# "transaction" for PgBouncer pool_mode = transaction (bench/pooling.py); the default is "session".
if os.environ.get("BENCH_SEARCH_PATH_MODE"):
    TENANT_SEARCH_PATH_MODE = os.environ["BENCH_SEARCH_PATH_MODE"]
# "0" behind a PgBouncer that refuses the "options" start-up parameter (1.18 does).
if os.environ.get("BENCH_SEARCH_PATH_ON_CONNECT") == "0":
    TENANT_SEARCH_PATH_ON_CONNECT = False
