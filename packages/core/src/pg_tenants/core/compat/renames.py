"""Where each dotted path of django-pg-tenants 2.x (``tenant_schemas...``) went in 3.0.

One table, read by the system checks (:mod:`.checks`, for the paths a
project's settings still name) and by the guide's tests (every entry is on
the page). The settings 3.0 reads under other names are in
:data:`RENAMED_SETTINGS`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The top-level module of django-pg-tenants 2.x (and of django-tenant-schemas).
LEGACY_MODULE = "tenant_schemas"

_HOSTNAME = ', with TENANT_RESOLVER = "hostname" (it finds the tenant by the Domain rows domain_url moved to)'


@dataclass(frozen=True, slots=True)
class Replacement:
    """What replaces one 2.x dotted path: another path (``None`` when there is none) and what to know."""

    path: str | None
    note: str = ""

    def advice(self) -> str:
        """The replacement in a sentence, for a check's hint."""
        if self.path is None:
            return self.note
        return f'Replace it with "{self.path}"{self.note}.'


DOTTED_PATHS: dict[str, Replacement] = {
    "tenant_schemas": Replacement(
        "pg_tenants.core", ', and add "pg_tenants.migrations" to SHARED_APPS for migrate_schemas'
    ),
    "tenant_schemas.postgresql_backend": Replacement("pg_tenants.core.backend"),
    "tenant_schemas.routers.TenantSyncRouter": Replacement("pg_tenants.core.routers.TenantRouter"),
    "tenant_schemas.middleware.TenantMiddleware": Replacement("pg_tenants.core.middleware.TenantMiddleware", _HOSTNAME),
    "tenant_schemas.middleware.SuspiciousTenantMiddleware": Replacement(
        "pg_tenants.core.middleware.TenantMiddleware", _HOSTNAME + "; an unknown host gets a 404 (2.x: a 400)"
    ),
    "tenant_schemas.middleware.DefaultTenantMiddleware": Replacement(
        "pg_tenants.core.middleware.TenantMiddleware",
        _HOSTNAME + ', and TENANT_NOT_FOUND = "public" to serve unknown hosts from the public tenant',
    ),
    "tenant_schemas.storage.TenantFileSystemStorage": Replacement(
        "pg_tenants.core.compat.storage.TenantFileSystemStorage", " (files stay under MEDIA_ROOT/<domain_url>/)"
    ),
    "tenant_schemas.storage.TenantStaticFilesStorage": Replacement(
        "pg_tenants.core.compat.storage.TenantStaticFilesStorage"
    ),
    "tenant_schemas.storage.TenantStorageMixin": Replacement("pg_tenants.core.compat.storage.TenantStorageMixin"),
    "tenant_schemas.template_loaders.FilesystemLoader": Replacement(
        "pg_tenants.core.compat.template_loaders.FilesystemLoader", " (it reads MULTITENANT_TEMPLATE_DIRS as 2.x did)"
    ),
    "tenant_schemas.template_loaders.CachedLoader": Replacement("pg_tenants.core.compat.template_loaders.CachedLoader"),
    "tenant_schemas.cache.make_key": Replacement(
        "pg_tenants.core.cache_keys.make_key",
        " (keys are laid out <KEY_PREFIX>:<schema>:<version>:<key>, so the cache starts empty)",
    ),
    "tenant_schemas.cache.reverse_key": Replacement("pg_tenants.core.cache_keys.reverse_key"),
    "tenant_schemas.log.TenantContextFilter": Replacement("pg_tenants.core.compat.log.TenantContextFilter"),
    "tenant_schemas.utils": Replacement("pg_tenants.core.compat"),
    "tenant_schemas.models": Replacement("pg_tenants.core.compat.models"),
    "tenant_schemas.test.cases": Replacement("pg_tenants.core.testing"),
    "tenant_schemas.test.client": Replacement("pg_tenants.core.testing"),
    "tenant_schemas.signals.post_schema_sync": Replacement(
        "pg_tenants.core.signals.schema_created", " (sent with the tenant's class as sender, not TenantMixin)"
    ),
}


def replacement_for(path: str) -> Replacement:
    """The replacement of ``path``, or of the longest 2.x module it is in; a pointer to the guide otherwise."""
    found = DOTTED_PATHS.get(path)
    if found is not None:
        return found
    candidate = path.rpartition(".")[0]
    # The bare module is the app's name, not a prefix: tenant_schemas.foo is not pg_tenants.core.foo.
    while candidate and candidate != LEGACY_MODULE:
        found = DOTTED_PATHS.get(candidate)
        if found is not None and found.path is not None:
            return Replacement(found.path + path[len(candidate) :], found.note)
        candidate = candidate.rpartition(".")[0]
    return Replacement(
        None, 'django-pg-tenants 3.0 has no such module: see "Coming from django-pg-tenants 2.x" in the docs.'
    )


#: 2.x setting -> the 3.0 setting that means the same.
RENAMED_SETTINGS: dict[str, str] = {
    "PG_EXTRA_SEARCH_PATHS": "TENANT_EXTRA_SEARCH_PATHS",
    "ORIGINAL_BACKEND": "TENANT_BASE_BACKEND",
}

#: Values of ``ORIGINAL_BACKEND`` that name what 3.0 wraps anyway (2.x's default was the psycopg2 alias).
DEFAULT_BACKENDS = frozenset({"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"})
