from __future__ import annotations

import itertools

from django.db import connection
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.cache import cache_page

from pg_tenants.core import get_current_tenant
from sandbox.notes.models import Note


def notes(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"tenant": request.tenant.schema_name, "notes": [n.title for n in Note.objects.all()]})


def whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"tenant": get_current_tenant().schema_name, "urlconf": "tenant"})


def premium(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"tenant": request.tenant.schema_name, "urlconf": "premium"})


def public_home(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"tenant": request.tenant.schema_name, "urlconf": "public"})


def stream_notes(request: HttpRequest) -> StreamingHttpResponse:
    def body():
        for note in Note.objects.all():
            yield note.title + "\n"
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            yield "schema:" + cursor.fetchone()[0]

    return StreamingHttpResponse(body())


async def async_notes(request: HttpRequest) -> JsonResponse:
    titles = [n.title async for n in Note.objects.all()]
    return JsonResponse({"tenant": request.tenant.schema_name, "notes": titles})


def tenant_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"unknown": request.get_host(), "tenant": getattr(request, "tenant", None)}, status=404)


def _current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return str(cursor.fetchone()[0])


async def async_stream_notes(request: HttpRequest) -> StreamingHttpResponse:
    from asgiref.sync import sync_to_async

    async def body():
        async for note in Note.objects.all():
            yield note.title + "\n"
        yield "schema:" + await sync_to_async(_current_schema)()

    return StreamingHttpResponse(body())


#: Counts renders of ``page``: a response served from a cache repeats the number it was stored with.
PAGE_RENDERS = itertools.count(1)


def page(request: HttpRequest) -> JsonResponse:
    """The tenant's own data (its notes; none for public) and the render count; for the page-cache tests."""
    tenant = request.tenant
    notes = [] if tenant.is_public else [n.title for n in Note.objects.order_by("pk")]
    return JsonResponse({"tenant": tenant.schema_name, "notes": notes, "render": next(PAGE_RENDERS)})


cached_page = cache_page(300)(page)
