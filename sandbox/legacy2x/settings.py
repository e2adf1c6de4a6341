"""before_2x/settings.py after the guide's steps (docs/guides/from-2x.md).

The lines that named ``tenant_schemas`` are the guide's ``sed`` output; the
others the guide adds by hand are marked "3.0". The database is
``LEGACY2X_DATABASE_URL``, media ``LEGACY2X_MEDIA_ROOT``.
"""

import os
from pathlib import Path

from pg_tenants.core.testing.database import database_settings

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "legacy2x-not-secret"
DEBUG = False
ALLOWED_HOSTS = [".example.com"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SHARED_APPS = [
    "pg_tenants.core",
    "pg_tenants.migrations",  # 3.0: migrate_schemas
    "django.contrib.contenttypes",
    "sandbox.legacy2x.customers",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "sandbox.legacy2x.shop",
]
INSTALLED_APPS = list(dict.fromkeys(SHARED_APPS + TENANT_APPS))
TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"  # 3.0: where domain_url is kept
TENANT_RESOLVER = "hostname"  # 3.0: a request's host is one of the tenant's Domain rows

DATABASES = {
    "default": {
        **database_settings(os.environ["LEGACY2X_DATABASE_URL"]),
        "ENGINE": "pg_tenants.core.backend",
    }
}
TENANT_BASE_BACKEND = "django.db.backends.postgresql"
DATABASE_ROUTERS = ["pg_tenants.core.routers.TenantRouter"]
TENANT_EXTRA_SEARCH_PATHS = ["extensions"]
TENANT_LIMIT_SET_CALLS = True  # left in place: ignored, with warning pg_tenants.W101

MIDDLEWARE = [
    "pg_tenants.core.middleware.TenantMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "sandbox.legacy2x.urls"
PUBLIC_SCHEMA_URLCONF = "sandbox.legacy2x.urls_public"

STORAGES = {  # 3.0 on Django 5.1+: DEFAULT_FILE_STORAGE is no longer read
    "default": {"BACKEND": "pg_tenants.core.compat.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = os.environ.get("LEGACY2X_MEDIA_ROOT", BASE_DIR / "media")

MULTITENANT_TEMPLATE_DIRS = [str(BASE_DIR / "tenants" / "%s" / "templates")]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "pg_tenants.core.compat.template_loaders.CachedLoader",
                    [
                        "pg_tenants.core.compat.template_loaders.FilesystemLoader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant_context": {"()": "pg_tenants.core.compat.log.TenantContextFilter"}},
    "formatters": {"tenant_context": {"format": "[%(schema_name)s:%(domain_url)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tenant_context"], "formatter": "tenant_context"}
    },
    "loggers": {"sandbox.legacy2x.shop": {"handlers": ["console"], "level": "INFO"}},
}
