"""System checks pg_tenants_channels.E001 and E002: the close codes of refused websockets."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings


def channels_ids() -> list[str]:
    return [m.id for m in run_checks() if m.id and m.id.startswith("pg_tenants_channels.")]


def test_the_defaults_pass() -> None:
    assert channels_ids() == []


@pytest.mark.parametrize("code", [None, 1000, 1008, 3000, 4404, 4999])
def test_codes_an_application_may_send_pass(code: int | None) -> None:
    with override_settings(TENANT_WEBSOCKET_NOT_FOUND_CODE=code, TENANT_WEBSOCKET_UNAVAILABLE_CODE=code):
        assert channels_ids() == []


@pytest.mark.parametrize("code", ["4404", 4404.0, True])
def test_e001_a_code_that_is_no_integer(code: object) -> None:
    with override_settings(TENANT_WEBSOCKET_UNAVAILABLE_CODE=code):
        assert channels_ids() == ["pg_tenants_channels.E001"]


@pytest.mark.parametrize("code", [999, 1005, 1006, 1015, 2999, 5000])
def test_e002_a_code_reserved_for_the_protocol_or_out_of_range(code: int) -> None:
    with override_settings(TENANT_WEBSOCKET_NOT_FOUND_CODE=code):
        messages = [m for m in run_checks() if m.id == "pg_tenants_channels.E002"]
    assert len(messages) == 1
    assert "TENANT_WEBSOCKET_NOT_FOUND_CODE" in messages[0].msg and "4000 to 4999" in (messages[0].hint or "")
