"""Installs ``pg_tenants_clone_schema`` and ``pg_tenants_schemas_behind`` in the public schema."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from pg_tenants.core.conf import tenant_settings
from pg_tenants.migrations.sql import install_functions, uninstall_functions_sql


def uninstall(apps: Any, schema_editor: Any) -> None:
    for statement in uninstall_functions_sql(tenant_settings.PUBLIC_SCHEMA_NAME):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []  # type: ignore[misc]
    operations = [migrations.RunPython(install_functions, uninstall)]
