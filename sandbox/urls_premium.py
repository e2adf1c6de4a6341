from django.urls import path

from sandbox import views

urlpatterns = [path("whoami/", views.premium, name="whoami")]
