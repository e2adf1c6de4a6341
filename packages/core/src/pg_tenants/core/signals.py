"""Signals sent by django-pg-tenants."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent after a tenant's schema has been created and filled (inside the creating
#: transaction). Arguments: ``sender`` (tenant model class), ``tenant``, ``schema_name``.
schema_created = Signal()

#: Sent after migrations were applied to a schema. Arguments: ``sender``,
#: ``schema_name``, ``migrations`` (list of ``(app_label, name)`` applied) and,
#: from ``migrate_schemas``, ``backwards`` (``True``: they were unapplied).
schema_migrated = Signal()

#: Sent after a tenant's schema has been dropped. Arguments: ``sender``, ``schema_name``.
schema_dropped = Signal()
