"""The test app's SQL (a trigger first), which Citus refuses on distributed tables unless
``citus.enable_unsafe_triggers`` is on."""

from __future__ import annotations

from importlib import import_module

from django.db import migrations

FIRST = import_module("packages.migrations.citus_tests.widgets_v1.0001_initial")


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0001_initial")]
    operations = [FIRST.RUN_SQL]
