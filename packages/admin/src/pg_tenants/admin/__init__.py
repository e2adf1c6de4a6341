"""django-pg-tenants-admin: tenant and domain admin, and the admin tenant switcher.

Add ``"pg_tenants.admin"`` to ``INSTALLED_APPS`` and ``SHARED_APPS`` (app label
``pg_tenants_admin``), and ``"pg_tenants.admin.middleware.TenantAdminMiddleware"``
to ``MIDDLEWARE`` after ``AuthenticationMiddleware`` and ``MessageMiddleware``.
The model admins are in :mod:`pg_tenants.admin.options`; the switcher's rules
in :mod:`pg_tenants.admin.switching`.
"""

from __future__ import annotations
