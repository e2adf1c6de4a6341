"""URLs of the public site (``PUBLIC_SCHEMA_URLCONF``): marketing, sign-up, the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from customers import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("admin/", admin.site.urls),
]
