"""Re-installs the functions (version 4): on Citus the clone adds each foreign key in an ALTER TABLE of its own."""

from __future__ import annotations

from django.db import migrations

from pg_tenants.migrations.sql import install_functions


class Migration(migrations.Migration):
    dependencies = [("pg_tenants_migrations", "0003_spare_functions")]
    # Backwards the version 3 text is gone; version 4 does what it did on a server without Citus.
    operations = [migrations.RunPython(install_functions, migrations.RunPython.noop)]
