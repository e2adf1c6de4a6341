"""Renames ``Tag`` to ``Label``: Django's contenttypes app adds a ``RenameContentType`` in ``pre_migrate``."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0005_unindex")]
    operations = [migrations.RenameModel("Tag", "Label")]
