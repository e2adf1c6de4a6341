"""Re-installs the functions (version 4): on Citus the clone adds each foreign key in an ALTER TABLE of its own."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from pg_tenants.core.conf import tenant_settings
from pg_tenants.migrations.sql import install_functions_sql


def install(apps: Any, schema_editor: Any) -> None:
    for statement in install_functions_sql(tenant_settings.PUBLIC_SCHEMA_NAME):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("pg_tenants_migrations", "0003_spare_functions")]
    # Backwards the version 3 text is gone; version 4 does what it did on a server without Citus.
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
