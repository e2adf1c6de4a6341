"""``settings_leftovers`` with the router already moved.

From Django 6.1 the model checks import ``DATABASE_ROUTERS`` before any other
check runs, so a 2.x router path stops ``manage.py check`` with Django's own
``ModuleNotFoundError: No module named 'tenant_schemas'``; the other leftovers
are reported once the router is moved.
"""

from sandbox.legacy2x.settings_leftovers import *  # noqa: F403

DATABASE_ROUTERS = ["pg_tenants.core.routers.TenantRouter"]
