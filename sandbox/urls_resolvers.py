"""A tenant urlconf for the resolvers' tests: views that report links as the request sees them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template import Context, Template
from django.urls import path, reverse

from pg_tenants.core import get_current_tenant
from sandbox import views


def links(request: HttpRequest) -> JsonResponse:
    """Every way a view builds a link; runs no query."""
    template = Template("{% url 'links' %}")
    return JsonResponse(
        {
            "tenant": get_current_tenant().schema_name,
            "reverse": reverse("links"),
            "absolute": request.build_absolute_uri(reverse("links")),
            "template": template.render(Context({})),
            "path": request.path,
            "path_info": request.path_info,
            "full_path": request.get_full_path(),
        }
    )


def go(request: HttpRequest) -> HttpResponse:
    return redirect("links")


@login_required
def private(request: HttpRequest) -> HttpResponse:  # pragma: no cover - only its redirect is tested
    return HttpResponse("private")


def login(request: HttpRequest) -> HttpResponse:
    return HttpResponse("login")


urlpatterns = [
    path("links/", links, name="links"),
    path("go/", go, name="go"),
    path("private/", private, name="private"),
    path("accounts/login/", login, name="login"),
    path("notes/", views.notes, name="notes"),
    path("async-notes/", views.async_notes, name="async-notes"),
    path("whoami/", views.whoami, name="whoami"),
    path("page/", views.page, name="page"),
    path("cached-page/", views.cached_page, name="cached-page"),
]
