"""Test helpers for projects using the admin tenant switcher."""

from __future__ import annotations

from typing import Any

from django.test import Client

from pg_tenants.admin.marking import FIELD
from pg_tenants.admin.switching import SESSION_KEY, SWITCH_FIELD


def switch_admin_tenant(client: Client, schema_name: str, *, admin_url: str = "/admin/", **extra: Any) -> Any:
    """POST a tenant switch (``schema_name`` ``""`` goes back to public) as the header's form does.

    ``client`` must be logged in, on the public host; the response is the
    switch's redirect (or a 403 when the user may not switch).
    """
    return client.post(admin_url, {SWITCH_FIELD: "1", "tenant": schema_name, **extra})


def post_in_admin(client: Client, path: str, data: Any = None, **extra: Any) -> Any:
    """POST to an admin page as a form rendered now would: marked for the tenant the admin shows.

    Admin forms carry the tenant they were rendered for (see
    :mod:`pg_tenants.admin.marking`); a test that posts to an admin view while
    a tenant is chosen adds that mark, or the middleware refuses the POST.
    """
    mark = client.session.get(SESSION_KEY, "")
    return client.post(path, {**(data or {}), FIELD: mark}, **extra)
