"""Template context shared by the public site and the tenant sites."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .links import public_url


def site(request: HttpRequest) -> dict[str, Any]:
    """``tenant`` (``None`` on the public site), ``public_url`` and the resolver in use."""
    tenant = getattr(request, "tenant", None)
    if tenant is not None and tenant.is_public:
        tenant = None
    return {
        "tenant": tenant,
        "public_url": public_url(),
        "resolver_name": settings.EXAMPLE_RESOLVER,
    }
