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
        migrations.RunSQL(
            sql=[
                "CREATE FUNCTION widget_upper() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$",
                "CREATE TRIGGER widget_upper BEFORE INSERT ON pgt_widgets_widget "
                "FOR EACH ROW EXECUTE FUNCTION widget_upper()",
                "CREATE VIEW pgt_widgets_big AS SELECT id, name FROM pgt_widgets_widget WHERE size > 10",
                "CREATE SEQUENCE pgt_widgets_ticket START 100",
                "SELECT nextval('pgt_widgets_ticket')",
            ],
            reverse_sql=[
                "DROP SEQUENCE pgt_widgets_ticket",
                "DROP VIEW pgt_widgets_big",
                "DROP TRIGGER widget_upper ON pgt_widgets_widget",
                "DROP FUNCTION widget_upper()",
            ],
        ),
    ]
