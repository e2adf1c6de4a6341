"""Drops an index by field: the schema editor looks its name up in the database, so this is not replayed."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0004_note")]
    operations = [migrations.AlterField("widget", "weight", models.IntegerField(null=True))]
