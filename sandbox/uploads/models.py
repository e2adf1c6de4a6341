from __future__ import annotations

from django.db import models

from pg_tenants.core.storage import TenantFileSystemStorage


class Attachment(models.Model):
    """A file on the default storage: each tenant's in its own folder when that storage is per tenant."""

    file = models.FileField(upload_to="attachments/")


class Brand(models.Model):
    """A file on a storage pinned to public, as shared models' files should be."""

    logo = models.FileField(storage=TenantFileSystemStorage(schema_name="public"))
