"""A minimal resolver for the core's own tests: ``<slug>.tenants.test`` -> slug.

The real resolvers live in ``packages/resolvers``; the core must work without them.
"""

from __future__ import annotations

from django.core.checks import CheckMessage, Warning
from django.http import HttpRequest

from pg_tenants.core.models import TenantModel
from pg_tenants.core.resolution import Resolution

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


class SecureSlugHostResolver(SlugHostResolver):
    """Links to tenants over https."""

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        return "https" + super().url_for(tenant, path).removeprefix("http")


class HeaderOnlyResolver:
    """Reads ``X-Sandbox-Tenant``; builds no links, but tells test clients what to send."""

    def resolve(self, request: HttpRequest) -> Resolution | None:
        slug = request.headers.get("X-Sandbox-Tenant")
        return Resolution("slug", slug) if slug else None

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        return f"http://{BASE}{path}"

    def client_headers(self, tenant: TenantModel) -> dict[str, str]:
        return {"HTTP_X_SANDBOX_TENANT": tenant.slug}

    def vary_headers(self) -> tuple[str, ...]:
        return ("X-Sandbox-Tenant",)

    def check(self) -> list[CheckMessage]:
        return [Warning("HeaderOnlyResolver is for tests only.", id="sandbox.W001")]
