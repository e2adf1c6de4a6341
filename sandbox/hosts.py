"""django-hosts host patterns for the hosts resolver's tests (``ROOT_HOSTCONF = "sandbox.hosts"``)."""

from __future__ import annotations

from django_hosts import host, patterns

host_patterns = patterns(
    "",
    host(r"www\.hosts\.test", "sandbox.urls_public", name="www"),
    host(r"hosts\.test", "sandbox.urls_public", name="apex"),
    host(r"(?P<tenant>[\w-]+)\.hosts\.test", "sandbox.urls_resolvers", name="tenant"),
    host(r"api\.(?P<tenant>[\w-]+)\.hosts\.test", "sandbox.urls_premium", name="tenant-api"),
)
