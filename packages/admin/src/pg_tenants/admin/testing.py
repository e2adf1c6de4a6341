"""Test helpers for projects using the admin tenant switcher."""

from __future__ import annotations

from typing import Any

from django.test import Client

from pg_tenants.admin.switching import SWITCH_FIELD


def switch_admin_tenant(client: Client, schema_name: str, *, admin_url: str = "/admin/", **extra: Any) -> Any:
    """POST a tenant switch (``schema_name`` ``""`` goes back to public) as the header's form does.

    ``client`` must be logged in, on the public host; the response is the
    switch's redirect (or a 403 when the user may not switch).
    """
    return client.post(admin_url, {SWITCH_FIELD: "1", "tenant": schema_name, **extra})
