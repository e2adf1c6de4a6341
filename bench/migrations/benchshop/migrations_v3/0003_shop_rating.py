from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benchshop", "0002_shop_city")]
    operations = [migrations.AddField("shop", "rating", models.IntegerField(default=0))]
