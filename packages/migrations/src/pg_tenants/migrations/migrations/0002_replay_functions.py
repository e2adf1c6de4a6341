"""Installs ``pg_tenants_schemas_missing`` and ``pg_tenants_replay``, and the faster clone function (version 2)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from pg_tenants.core.conf import tenant_settings
from pg_tenants.migrations.sql import install_functions, uninstall_replay_functions_sql


def uninstall(apps: Any, schema_editor: Any) -> None:
    for statement in uninstall_replay_functions_sql(tenant_settings.PUBLIC_SCHEMA_NAME):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("pg_tenants_migrations", "0001_schema_functions")]
    operations = [migrations.RunPython(install_functions, uninstall)]
