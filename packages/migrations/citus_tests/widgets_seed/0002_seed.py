"""A data migration that fails in the schemas the tests list (``pgt_widgets.switch.FAIL_IN``)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from pg_tenants.core import get_current_schema_name


def seed(apps: Any, schema_editor: Any) -> None:
    from packages.migrations.tests.pgt_widgets import switch

    schema = get_current_schema_name()
    if schema in switch.FAIL_IN:
        raise RuntimeError(f"bad data in {schema}")
    apps.get_model("pgt_widgets", "Widget").objects.create(name=schema, size=1)


class Migration(migrations.Migration):
    dependencies = [("pgt_widgets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
