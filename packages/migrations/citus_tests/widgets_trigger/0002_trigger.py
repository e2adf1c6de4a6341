"""A trigger, which Citus refuses on distributed tables unless ``citus.enable_unsafe_triggers`` is on."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE FUNCTION widget_upper() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$",
                "CREATE TRIGGER widget_upper BEFORE INSERT ON pgt_widgets_widget "
                "FOR EACH ROW EXECUTE FUNCTION widget_upper()",
            ],
            reverse_sql=["DROP TRIGGER widget_upper ON pgt_widgets_widget", "DROP FUNCTION widget_upper()"],
        ),
    ]
