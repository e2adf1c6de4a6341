"""Host name -> ``Domain`` row, the same look-up django-tenants' middleware makes.

Used when the resolvers package (whose ``hostname`` resolver does this) is not
installed in the benchmark venv.
"""

from __future__ import annotations

from django.http import HttpRequest

from pg_tenants.core.hostnames import normalize_domain
from pg_tenants.core.models import TenantModel
from pg_tenants.core.resolvers import Resolution


class HostResolver:
    """Resolve by the request's full host name through the tenant cache."""

    def resolve(self, request: HttpRequest) -> Resolution | None:
        return Resolution("domain", normalize_domain(request.get_host()))

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        domain = tenant.get_primary_domain()
        return f"http://{domain}{path}"
