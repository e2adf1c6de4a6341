from django.urls import path

from sandbox import views

urlpatterns = [
    path("notes/", views.notes, name="notes"),
    path("async-notes/", views.async_notes, name="async-notes"),
    path("stream/", views.stream_notes, name="stream"),
    path("async-stream/", views.async_stream_notes, name="async-stream"),
    path("whoami/", views.whoami, name="whoami"),
]
