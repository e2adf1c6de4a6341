"""Views and urls for the tests of the core's Django integrations: templates, files, logging, sites.

Tests point ``ROOT_URLCONF`` here; tenants without a ``tenant_type`` use it.
"""

from __future__ import annotations

import logging

from django.contrib.sites.shortcuts import get_current_site
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import path

logger = logging.getLogger("sandbox.integrations")


def greeting(request: HttpRequest) -> HttpResponse:
    return HttpResponse(render_to_string("greeting.html", {"name": "you"}))


async def async_greeting(request: HttpRequest) -> HttpResponse:
    return HttpResponse(render_to_string("greeting.html", {"name": "you"}))


def upload(request: HttpRequest) -> JsonResponse:
    from sandbox.uploads.models import Attachment

    attachment = Attachment.objects.create(file=request.FILES["file"])
    return JsonResponse({"name": attachment.file.name, "url": attachment.file.url})


def download(request: HttpRequest, pk: int) -> HttpResponse:
    from sandbox.uploads.models import Attachment

    attachment = Attachment.objects.get(pk=pk)
    with attachment.file.open("rb") as f:
        return HttpResponse(f.read(), content_type="text/plain")


def log_line(request: HttpRequest) -> HttpResponse:
    logger.warning("hello from the view")
    return HttpResponse("logged")


async def async_log_line(request: HttpRequest) -> HttpResponse:
    logger.warning("hello from the async view")
    return HttpResponse("logged")


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("no such page")


def site(request: HttpRequest) -> JsonResponse:
    current = get_current_site(request)
    return JsonResponse({"domain": current.domain, "name": current.name})


urlpatterns = [
    path("greeting/", greeting),
    path("async-greeting/", async_greeting),
    path("upload/", upload),
    path("download/<int:pk>/", download),
    path("log/", log_line),
    path("async-log/", async_log_line),
    path("missing/", missing),
    path("site/", site),
]
