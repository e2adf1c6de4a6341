"""The migrations package's own system checks: the template schema's name and setting types."""

from __future__ import annotations

import pytest
from django.test import override_settings

from pg_tenants.migrations.checks import check_migrations_settings


def test_sandbox_is_clean():
    assert check_migrations_settings() == []


@pytest.mark.parametrize("name", ["Template", "pg_template", 5])
def test_e003_template_schema_name_unusable(name):
    with override_settings(TENANT_TEMPLATE_SCHEMA_NAME=name):
        [message] = check_migrations_settings()
    assert message.id == "pg_tenants_migrations.E003"
    assert message.msg.startswith("TENANT_TEMPLATE_SCHEMA_NAME is not usable: Schema name")


@pytest.mark.parametrize(
    ("setting", "value", "wanted"),
    [
        ("TENANT_USE_TEMPLATE", "False", "True or False"),
        ("TENANT_MIGRATION_JOBS", "4", "a whole number"),
        ("TENANT_MIGRATION_REPLAY", 0, "True or False"),
        ("TENANT_MIGRATION_POST_MIGRATE", None, "a string"),
    ],
)
def test_e004_setting_of_the_wrong_type(setting, value, wanted):
    with override_settings(**{setting: value}):
        [message] = check_migrations_settings()
    assert message.id == "pg_tenants_migrations.E004"
    assert message.msg == f"{setting} is {value!r}, which is not {wanted}."
