"""settings.py with what a partial move leaves of 2.x, for the compatibility checks to report.

The apps, the models and the default database's engine are 3.0's: with 2.x's,
Django cannot start (it loads the default backend while it imports the
models), nor with 2.x's cache key function or logging filter (loaded before
any check runs). The router, middleware, storage, template loaders and renamed
settings are still 2.x's, and ``TENANT_DOMAIN_MODEL`` is missing.
"""

from .settings import *  # noqa: F403

DATABASE_ROUTERS = ["tenant_schemas.routers.TenantSyncRouter"]
MIDDLEWARE = ["tenant_schemas.middleware.DefaultTenantMiddleware", "django.middleware.common.CommonMiddleware"]
DEFAULT_FILE_STORAGE = "tenant_schemas.storage.TenantFileSystemStorage"
TEMPLATES[0]["OPTIONS"]["loaders"] = [  # noqa: F405
    ("tenant_schemas.template_loaders.CachedLoader", ["tenant_schemas.template_loaders.FilesystemLoader"])
]
PG_EXTRA_SEARCH_PATHS = TENANT_EXTRA_SEARCH_PATHS  # noqa: F405
ORIGINAL_BACKEND = "django.contrib.gis.db.backends.postgis"
TENANT_PARALLEL_MIGRATION_MAX_PROCESSES = 4
del TENANT_EXTRA_SEARCH_PATHS, TENANT_BASE_BACKEND, TENANT_DOMAIN_MODEL  # noqa: F821
