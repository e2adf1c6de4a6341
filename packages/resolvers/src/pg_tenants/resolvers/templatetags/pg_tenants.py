"""Template tags: ``{% load pg_tenants %}{% tenant_url tenant "/notes/" %}``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from pg_tenants.core.resolvers import tenant_url as build_tenant_url

if TYPE_CHECKING:
    from pg_tenants.core.models import TenantModel

register = template.Library()


@register.simple_tag
def tenant_url(tenant: TenantModel, path: str = "/", absolute: bool = False) -> str:
    """A link to ``path`` on ``tenant``, built by ``TENANT_RESOLVER``'s ``url_for``.

    ``{% tenant_url tenant "/notes/" %}``, or ``{% tenant_url tenant "/notes/" as link %}``.
    The link is site-relative with the path resolver when ``TENANT_BASE_URL``
    is unset; in an email's template use ``{% tenant_url tenant "/notes/" absolute=True %}``,
    which raises rather than render a relative link
    (see :func:`pg_tenants.core.resolvers.tenant_url`).
    """
    return build_tenant_url(tenant, path, absolute=absolute)
