"""A ``TENANT_TRUSTED_PROXY_CHECK`` for the header resolver's tests."""

from __future__ import annotations

from django.http import HttpRequest


def has_proxy_secret(request: HttpRequest) -> bool:
    """Trust requests carrying the secret a (hypothetical) proxy adds."""
    return request.META.get("HTTP_X_PROXY_SECRET") == "s3cret"
