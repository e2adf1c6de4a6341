"""The view under test: one SELECT from a tenant table, a tiny text response."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .models import Item


def item(request: HttpRequest) -> HttpResponse:
    """Read item 1 of the active tenant (one statement) and return its name."""
    name = Item.objects.values_list("name", flat=True).get(pk=1)
    return HttpResponse(name, content_type="text/plain")
