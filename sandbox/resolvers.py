"""A minimal resolver for the core's own tests: ``<slug>.tenants.test`` -> slug.

The real resolvers live in ``packages/resolvers``; the core must work without them.
"""

from __future__ import annotations

from django.http import HttpRequest

from pg_tenants.core.models import TenantModel
from pg_tenants.core.resolvers import Resolution

BASE = "tenants.test"


class SlugHostResolver:
    def resolve(self, request: HttpRequest) -> Resolution | None:
        host = request.get_host().split(":")[0].lower()
        if host == BASE:
            return Resolution.public()
        label, _, rest = host.partition(".")
        if rest != BASE or not label:
            return None
        return Resolution("slug", label)

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        if tenant.is_public:
            return f"http://{BASE}{path}"
        return f"http://{tenant.slug}.{BASE}{path}"
