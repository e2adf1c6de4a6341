"""django-pg-tenants-migrations: ``migrate_schemas``, template-cloning provisioning, tenant command runners.

Add ``"pg_tenants.migrations"`` to ``INSTALLED_APPS`` and ``SHARED_APPS`` (app
label ``pg_tenants_migrations``). New tenants are then created by cloning the
template schema (``TENANT_TEMPLATE_SCHEMA_NAME``) that ``migrate_schemas``
keeps migrated.
"""

from __future__ import annotations
