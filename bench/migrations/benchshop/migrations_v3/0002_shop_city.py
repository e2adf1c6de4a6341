from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benchshop", "0001_initial")]
    operations = [migrations.AddField("shop", "city", models.CharField(default="", max_length=100))]
