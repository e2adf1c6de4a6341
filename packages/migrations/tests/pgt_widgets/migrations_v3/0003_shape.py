"""Schema operations only (replayable): fields, an index, a constraint, a model with foreign keys, a view."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0002_seed")]

    operations = [
        migrations.AddField("widget", "colour", models.CharField(max_length=20, default="plain")),
        migrations.AddField("widget", "weight", models.IntegerField(null=True, db_index=True)),
        migrations.AddIndex("gadget", models.Index(fields=["code"], name="gadget_code_idx")),
        migrations.AddConstraint(
            "widget", models.CheckConstraint(condition=models.Q(weight__gte=0), name="widget_weight_positive")
        ),
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(max_length=40, unique=True)),
                ("widget", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="pgt_widgets.widget")),
                (
                    "category",
                    models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="catalog.category"),
                ),
            ],
        ),
        migrations.RunSQL(
            "CREATE VIEW pgt_widgets_coloured AS SELECT id, colour FROM pgt_widgets_widget",
            "DROP VIEW pgt_widgets_coloured",
        ),
    ]
