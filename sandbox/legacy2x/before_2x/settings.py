"""settings.py of the 2.x project (django-pg-tenants 2.0.1, Django 3.2)."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "legacy2x-not-secret"
DEBUG = False
ALLOWED_HOSTS = [".example.com"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SHARED_APPS = [
    "tenant_schemas",
    "django.contrib.contenttypes",
    "customers",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "shop",
]
INSTALLED_APPS = list(dict.fromkeys(SHARED_APPS + TENANT_APPS))
TENANT_MODEL = "customers.Client"

DATABASES = {
    "default": {
        "ENGINE": "tenant_schemas.postgresql_backend",
        "NAME": "shop",
    }
}
ORIGINAL_BACKEND = "django.db.backends.postgresql"
DATABASE_ROUTERS = ["tenant_schemas.routers.TenantSyncRouter"]
PG_EXTRA_SEARCH_PATHS = ["extensions"]
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "tenant_schemas.middleware.TenantMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "urls"
PUBLIC_SCHEMA_URLCONF = "urls_public"

DEFAULT_FILE_STORAGE = "tenant_schemas.storage.TenantFileSystemStorage"
MEDIA_ROOT = BASE_DIR / "media"

MULTITENANT_TEMPLATE_DIRS = [str(BASE_DIR / "tenants" / "%s" / "templates")]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "tenant_schemas.template_loaders.CachedLoader",
                    [
                        "tenant_schemas.template_loaders.FilesystemLoader",
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
    "filters": {"tenant_context": {"()": "tenant_schemas.log.TenantContextFilter"}},
    "formatters": {"tenant_context": {"format": "[%(schema_name)s:%(domain_url)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tenant_context"], "formatter": "tenant_context"}
    },
    "loggers": {"shop": {"handlers": ["console"], "level": "INFO"}},
}
