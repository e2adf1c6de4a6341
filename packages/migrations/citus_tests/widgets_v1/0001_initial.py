"""The widgets app's first state on Citus: the test app's ``Widget`` table alone.

Its foreign keys point at itself and at a shared table (a reference table on
Citus); the test app's own first migration also adds ``Gadget`` (here in
``widgets_v2``) and a trigger (here in ``widgets_trigger``).
"""

from __future__ import annotations

from importlib import import_module

from django.db import migrations

BASE = import_module("packages.migrations.tests.pgt_widgets.migrations.0001_initial").Migration
CREATE_WIDGET, CREATE_GADGET, RUN_SQL = BASE.operations


class Migration(migrations.Migration):
    initial = True
    dependencies = BASE.dependencies
    operations = [CREATE_WIDGET]
