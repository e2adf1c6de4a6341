"""A django-pg-tenants 2.x project after the move to 3.0 (docs/guides/from-2x.md), for the guide's test.

``before_2x/`` holds its sources as they were under 2.x and
``database_2x.sql`` its database; the modules here are what the guide's steps
make of them. ``packages/core/tests/test_core_from_2x.py`` loads the 2.x
database, runs this project's ``migrate_schemas`` and serves each tenant.
It runs in its own processes (``DJANGO_SETTINGS_MODULE=sandbox.legacy2x.settings``),
never inside the sandbox's test run.
"""
