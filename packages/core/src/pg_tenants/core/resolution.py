"""What a resolver answers, and what a resolver is.

:class:`Resolution` is the frozen answer a resolver gives for one request;
:class:`Resolver` is the protocol ``TENANT_RESOLVER`` must provide. Loading the
configured resolver is :mod:`pg_tenants.core.resolvers`' job; this module only
names the data, so the tenant cache, the middleware and the resolver plug-ins
can share it without importing the loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from .conf import tenant_settings

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import TenantModel

LookupField = Literal["schema_name", "slug", "domain"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a resolver found in a request.

    ``lookup`` / ``value`` say how to find the tenant (``"slug"``, ``"domain"``
    or ``"schema_name"``). ``script_name`` and ``path_info``, when set, move a
    path prefix out of the path the views see and into ``SCRIPT_NAME``, so
    ``reverse()`` keeps it. ``urlconf``, when set, overrides the tenant type's.
    """

    lookup: LookupField
    value: str
    script_name: str | None = None
    path_info: str | None = None
    urlconf: str | None = None

    @classmethod
    def public(cls, **kwargs: Any) -> Resolution:
        """A resolution that selects the public tenant."""
        return cls("schema_name", tenant_settings.PUBLIC_SCHEMA_NAME, **kwargs)


@runtime_checkable
class Resolver(Protocol):
    """What ``TENANT_RESOLVER`` must provide.

    A resolver may also have, and the library then uses: ``check()`` (its
    system-check messages), ``client_headers(tenant)`` (environ entries that
    make a test client reach ``tenant``) and ``vary_headers()`` (the request
    headers it chooses the tenant by, named in every response's ``Vary``;
    see :func:`pg_tenants.core.resolvers.vary_headers`).
    """

    def resolve(self, request: HttpRequest) -> Resolution | None:
        """How to find the request's tenant, or ``None`` when this resolver has no opinion."""
        ...  # pragma: no cover

    def url_for(self, tenant: TenantModel, path: str = "/") -> str:
        """A URL that reaches ``tenant`` at ``path``.

        Absolute, or site-relative (starting with ``/``) when the resolver
        cannot know the site's address; raise :class:`NotImplementedError`
        when it can build no link to that tenant.
        """
        ...  # pragma: no cover
