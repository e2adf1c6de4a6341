"""The widgets app's first state on Citus: a table with a foreign key to itself and to a shared table."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Widget",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=63)),
                ("size", models.IntegerField(default=0)),
                (
                    "parent",
                    models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, to="pgt_widgets.widget"),
                ),
                (
                    "category",
                    models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="catalog.category"),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["name", "size"], name="widget_name_size")],
                "constraints": [models.CheckConstraint(condition=models.Q(size__gte=0), name="widget_size_positive")],
            },
        ),
    ]
