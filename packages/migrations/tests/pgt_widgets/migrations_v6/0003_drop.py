"""Deletes every model of the app: a schema migrated this far has none of its tables, and rightly so."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0002_seed")]
    operations = [migrations.DeleteModel("Gadget"), migrations.DeleteModel("Widget")]
