"""The public site with Django's admin at /admin/ and a custom AdminSite at /ops/ (admin package tests)."""

from django.contrib import admin
from django.urls import path

from sandbox.admin_site import sandbox_site
from sandbox.urls_public import urlpatterns as public_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ops/", sandbox_site.urls),
    *public_urlpatterns,
]
