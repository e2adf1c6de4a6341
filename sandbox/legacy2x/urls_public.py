from django.urls import path

from sandbox.legacy2x.shop import views

urlpatterns = [path("", views.home)]
