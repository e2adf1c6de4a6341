"""A new table with a one-to-one key into the first, and a new column of an existing table."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Gadget",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.UUIDField(unique=True)),
                (
                    "widget",
                    models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, to="pgt_widgets.widget"),
                ),
            ],
        ),
        migrations.AddField(model_name="widget", name="colour", field=models.CharField(max_length=20, default="")),
    ]
