"""The model the ``switch_tenant`` permission hangs on. It has no table."""

from __future__ import annotations

from django.db import models

#: The permission, as passed to ``user.has_perm()``.
SWITCH_PERMISSION = "pg_tenants_admin.switch_tenant"


class TenantSwitch(models.Model):
    """Carries the ``pg_tenants_admin.switch_tenant`` permission; never stored (unmanaged, no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("switch_tenant", "Can switch the admin to a tenant")]
        verbose_name = "tenant switch"
