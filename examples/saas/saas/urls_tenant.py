"""URLs of every tenant site (``ROOT_URLCONF``): log in, then the notes app."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    # Back to this tenant's login (reversed here, so the path resolver's prefix stays).
    path("logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("", include("notes.urls")),
]
