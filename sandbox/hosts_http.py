"""Host patterns built with django-hosts' HOST_SCHEME / HOST_PORT in effect (read when a host is created)."""

from __future__ import annotations

from django_hosts import host, patterns

host_patterns = patterns(
    "",
    host(r"www\.hosts\.test", "sandbox.urls_public", name="www"),
    host(r"(?P<tenant>[\w-]+)\.hosts\.test", "sandbox.urls_resolvers", name="tenant", scheme="http://", port="8000"),
)
