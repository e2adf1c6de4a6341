"""A new table with a one-to-one key into the first, and a new column of an existing table."""

from __future__ import annotations

from importlib import import_module

from django.db import migrations, models

FIRST = import_module("packages.migrations.citus_tests.widgets_v1.0001_initial")


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0001_initial")]
    operations = [
        FIRST.CREATE_GADGET,
        migrations.AddField(model_name="widget", name="colour", field=models.CharField(max_length=20, default="")),
    ]
