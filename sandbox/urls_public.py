from django.urls import path

from sandbox import views

urlpatterns = [path("", views.public_home, name="home"), path("whoami/", views.public_home)]
