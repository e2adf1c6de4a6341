"""Database backend: ``ENGINE = "pg_tenants.core.backend"``.

Wraps ``django.db.backends.postgresql`` (or ``TENANT_BASE_BACKEND``, e.g.
PostGIS) and keeps every connection's ``search_path`` on the active schema.
"""
