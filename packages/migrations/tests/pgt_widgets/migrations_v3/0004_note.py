"""One more field, in its own migration (the failure tests break this one in a single schema)."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0003_shape")]
    operations = [migrations.AddField("widget", "note", models.TextField(default=""))]
