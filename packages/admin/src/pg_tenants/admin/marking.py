"""Admin forms say which tenant they were rendered for; a submission for another tenant is refused.

Object ids repeat across tenant schemas, and the switcher's choice lives in
the session, shared by every tab. Without a mark, a change form opened for
tenant A in one tab and submitted after another tab switched to B would
overwrite B's object with the same id. So every admin page rendered by
:class:`~pg_tenants.admin.middleware.TenantAdminMiddleware` gets a hidden
input beside each CSRF token input (every admin form that can write has one),
naming the tenant the page showed; the middleware compares it with the
current choice before the view runs.

Requests that do not come from a rendered form (scripts, tests, JavaScript)
may send the mark in the ``X-PG-Tenants-Admin-Tenant`` header instead. A POST
without any mark is accepted while the admin is in public (plain Django admin
behaviour), and refused while a tenant is chosen.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBase, HttpResponseRedirect
from django.utils.html import escape

from pg_tenants.core import get_tenant_model

from .switching import tenant_label

if TYPE_CHECKING:
    from django.http import HttpRequest

    from pg_tenants.core.models import TenantModel

#: Name of the hidden input added to every admin form.
FIELD = "_pg_tenants_admin_tenant"
#: The header that carries the mark for requests that are not form submissions.
HEADER = "X-PG-Tenants-Admin-Tenant"
logger = logging.getLogger("pg_tenants.admin")

_META_KEY = "HTTP_" + HEADER.upper().replace("-", "_")

# Django's {% csrf_token %} renders exactly this input (format_html, value escaped).
_CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="[^"<>]*">')


def mark_for(tenant: TenantModel | None) -> str:
    """The mark of a page rendered for ``tenant``: its primary key, ``""`` for public."""
    return "" if tenant is None else str(tenant.pk)


def submitted_mark(request: HttpRequest) -> str | None:
    """The mark a POST carries (form field first, then header), ``None`` when it has none."""
    value = request.POST.get(FIELD)
    if value is None:
        value = request.META.get(_META_KEY)
    return None if value is None else str(value).strip()


def mark_forms(response: Any, mark: str) -> None:
    """Add the hidden mark input after every CSRF token input of an HTML ``response`` (in place)."""
    if not isinstance(response, HttpResponseBase) or getattr(response, "streaming", False):
        return
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    content = response.content  # type: ignore[attr-defined]
    if b"csrfmiddlewaretoken" not in content:
        return
    field = f'<input type="hidden" name="{FIELD}" value="{escape(mark)}">'.encode()
    marked = _CSRF_INPUT.sub(lambda match: match.group(0) + field, content)
    response.content = marked  # type: ignore[attr-defined]
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(marked))


def refuse_other_tenant(request: HttpRequest, tenant: TenantModel | None, index_url: str) -> HttpResponseBase | None:
    """A redirect to ``index_url`` with a message when the POST was made for another tenant than ``tenant``.

    ``None`` (go on) when its mark names ``tenant``, or when it has no mark and
    the admin is in public.
    """
    submitted = submitted_mark(request)
    if submitted == mark_for(tenant) or (submitted is None and tenant is None):
        return None
    now = "public" if tenant is None else f"tenant “{tenant_label(tenant)}”"
    if submitted is None:
        text = (
            "Nothing was saved: this form does not say which tenant it was opened for, and the admin "
            f"now shows {now}. Reload the page and submit it again."
        )
    else:
        was = _describe_mark(submitted)
        text = (
            f"Nothing was saved: this form was opened for {was}, but the admin now shows {now} "
            f"(it was switched in another tab or window). Switch back to {was} to submit it again."
        )
    logger.warning(
        "Refused an admin %s to %s made for %s while the admin shows %s.",
        request.method,
        request.path,
        "no tenant mark" if submitted is None else f"mark {submitted!r}",
        now,
    )
    messages.error(request, text, fail_silently=True)
    return HttpResponseRedirect(index_url)


def _describe_mark(mark: str) -> str:
    if mark == "":
        return "public"
    model = get_tenant_model()
    try:
        pk = model._meta.pk.to_python(mark)
    except (ValidationError, TypeError, ValueError):
        pk = None
    tenant = model._default_manager.filter(pk=pk).first() if pk is not None else None
    return "another tenant" if tenant is None else f"tenant “{tenant_label(tenant)}”"
