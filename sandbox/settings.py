"""Settings of the sandbox project every package's tests run against.

The database is ``DATABASE_URL`` or an embedded PostgreSQL (see
``pg_tenants.core.testing.database``). Optional packages join in when installed.
"""

from __future__ import annotations

import os
from importlib.util import find_spec

from pg_tenants.core.testing.database import database_settings

SECRET_KEY = "sandbox-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "sandbox.urls"
PUBLIC_SCHEMA_URLCONF = "sandbox.urls_public"
TENANT_URLCONFS = {"premium": "sandbox.urls_premium"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

HAS_MIGRATIONS = find_spec("pg_tenants.migrations") is not None
HAS_ADMIN = find_spec("pg_tenants.admin") is not None
HAS_RESOLVERS = find_spec("pg_tenants.resolvers") is not None
HAS_CELERY = find_spec("pg_tenants.celery") is not None
HAS_CHANNELS = find_spec("pg_tenants.channels") is not None

SHARED_APPS = [
    "pg_tenants.core",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "sandbox.customers",
    "sandbox.catalog",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "sandbox.notes",
]
if HAS_MIGRATIONS:
    SHARED_APPS.append("pg_tenants.migrations")
if HAS_ADMIN:
    SHARED_APPS.insert(0, "pg_tenants.admin")
if HAS_CELERY:
    SHARED_APPS.append("pg_tenants.celery")
if HAS_CHANNELS:
    SHARED_APPS.append("pg_tenants.channels")

INSTALLED_APPS = list(dict.fromkeys(SHARED_APPS + TENANT_APPS))

TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"
TENANT_RESOLVER = "sandbox.resolvers.SlugHostResolver"

_db = database_settings(CONN_MAX_AGE=int(os.environ.get("SANDBOX_CONN_MAX_AGE", "0")))
# One test database per test process, so parallel runs on one server never collide.
_db["TEST"] = {"NAME": os.environ.get("SANDBOX_TEST_DB") or f"test_pg_tenants_{os.getpid()}"}
DATABASES = {"default": _db}
if os.environ.get("SANDBOX_BASE_BACKEND"):
    TENANT_BASE_BACKEND = os.environ["SANDBOX_BASE_BACKEND"]
DATABASE_ROUTERS = ["pg_tenants.core.routers.TenantRouter"]

MIDDLEWARE = [
    "pg_tenants.core.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"

# A file-based cache lets tests prove that tenant-cache invalidation reaches other processes.
if os.environ.get("SANDBOX_CACHE_DIR"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["SANDBOX_CACHE_DIR"],
        }
    }
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
