"""System checks for the resolvers' settings (``pg_tenants_resolvers.E001`` ...).

Each resolver's ``check()`` returns the checks for the settings it reads; the
core's ``check_resolver`` system check calls it at start-up. A setting of the
wrong type is E014, and its other checks are then skipped.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning

from pg_tenants.core.check_helpers import dotted_path_problem, setting_type_errors
from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.hostnames import InvalidHost, normalize_domain

from .conf import resolver_settings

PREFIX = "pg_tenants_resolvers"
#: An HTTP header name (RFC 9110 token); WSGI also needs it to be representable in META.
HEADER_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
PATH_PREFIX_RE = re.compile(r"[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*")


def check_types(*names: str) -> list[CheckMessage]:
    """E014: the named resolver settings have the types their properties declare."""
    return setting_type_errors(resolver_settings, f"{PREFIX}.E014", only=names)


def check_base_domain() -> list[CheckMessage]:
    """E001, E002: ``TENANT_BASE_DOMAIN`` is set and is a domain name."""
    wrong = check_types("TENANT_BASE_DOMAIN", "TENANT_PUBLIC_SUBDOMAINS")
    if wrong:
        return wrong
    value = resolver_settings.TENANT_BASE_DOMAIN
    if not value:
        return [
            Error(
                "TENANT_RESOLVER uses the subdomain resolver, but TENANT_BASE_DOMAIN is not set.",
                hint='Set TENANT_BASE_DOMAIN to the domain whose subdomains are tenants, e.g. "example.com".',
                id=f"{PREFIX}.E001",
            )
        ]
    try:
        normal = normalize_domain(value)
    except InvalidHost as exc:
        normal = None
        reason = str(exc)
    else:
        reason = "it must be a bare domain name, without scheme, port or path"
    if normal is None or ":" in value or "/" in value or normal.startswith("["):
        return [
            Error(
                f"TENANT_BASE_DOMAIN {value!r} is not a domain name: {reason}",
                hint='Use a bare domain name such as "example.com".',
                id=f"{PREFIX}.E002",
            )
        ]
    return []


def check_url_options() -> list[CheckMessage]:
    """E003, E004: ``TENANT_URL_SCHEME`` and ``TENANT_URL_PORT``."""
    errors = check_types("TENANT_URL_SCHEME", "TENANT_URL_PORT")
    if errors:
        return errors
    scheme = resolver_settings.TENANT_URL_SCHEME
    if scheme.lower() not in {"http", "https"}:
        errors.append(
            Error(
                f"TENANT_URL_SCHEME is {scheme!r}.",
                hint='Use "https" (default) or "http".',
                id=f"{PREFIX}.E003",
            )
        )
    port = resolver_settings.TENANT_URL_PORT
    if port is not None and not (str(port).isdigit() and 0 < int(port) < 65536):
        errors.append(
            Error(
                f"TENANT_URL_PORT is {port!r}.",
                hint="Use a port number between 1 and 65535, or None to leave the port out of links.",
                id=f"{PREFIX}.E004",
            )
        )
    return errors


def check_base_url(resolver: str) -> list[CheckMessage]:
    """E005, W001: ``TENANT_BASE_URL``, which the header and path resolvers build links from."""
    wrong = check_types("TENANT_BASE_URL")
    if wrong:
        return wrong
    value = resolver_settings.TENANT_BASE_URL
    if not value:
        hint = 'Set TENANT_BASE_URL to where the site is served, e.g. "https://app.example.com".'
        if resolver == "path":
            # Relative links work on the site itself; only links read elsewhere are lost.
            message = (
                "The path resolver builds only site-relative links to tenants (/t/acme/...) because "
                "TENANT_BASE_URL is not set: tenant_url(..., absolute=True), as links in emails and other "
                "messages need, raises."
            )
            hint += " Silence this warning if no link to a tenant ever leaves the site."
        else:
            message = (
                f"The {resolver} resolver cannot build links to tenants (tenant_url, TenantClient, the "
                "admin's 'Open site') because TENANT_BASE_URL is not set."
            )
        return [Warning(message, hint=hint, id=f"{PREFIX}.W001")]
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        return [
            Error(
                f"TENANT_BASE_URL {value!r} is not an absolute http(s) URL.",
                hint='Use a URL such as "https://app.example.com" (a path such as "/app" may follow).',
                id=f"{PREFIX}.E005",
            )
        ]
    return []


def check_header_settings() -> list[CheckMessage]:
    """E006-E008, W002: header name, trusted proxies and the trust check."""
    errors = check_types("TENANT_HEADER_NAME", "TENANT_TRUSTED_PROXIES")
    if errors:
        return errors
    name = resolver_settings.TENANT_HEADER_NAME
    if not HEADER_NAME_RE.fullmatch(name):
        errors.append(
            Error(
                f"TENANT_HEADER_NAME {name!r} is not a valid HTTP header name.",
                hint='Use letters, digits and hyphens, e.g. "X-Tenant".',
                id=f"{PREFIX}.E006",
            )
        )
    proxies = resolver_settings.trusted_proxies()
    for entry in proxies:
        try:
            ipaddress.ip_network(str(entry), strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"TENANT_TRUSTED_PROXIES lists {entry!r}, which is not an IP address or CIDR network.",
                    hint='List the addresses your proxy connects from, e.g. ["10.0.0.0/8", "127.0.0.1"].',
                    id=f"{PREFIX}.E007",
                )
            )
    check = resolver_settings.TENANT_TRUSTED_PROXY_CHECK
    if isinstance(check, str):
        problem = dotted_path_problem(check)
        if problem is not None:
            errors.append(
                Error(
                    f"TENANT_TRUSTED_PROXY_CHECK {check!r} cannot be used: {problem}",
                    hint="Give a function check(request) -> bool, or its dotted path.",
                    id=f"{PREFIX}.E008",
                )
            )
    elif check is not None and not callable(check):
        errors.append(
            Error(
                f"TENANT_TRUSTED_PROXY_CHECK {check!r} is not callable.",
                hint="Give a function check(request) -> bool, or its dotted path.",
                id=f"{PREFIX}.E008",
            )
        )
    elif check is None and not proxies:
        errors.append(
            Warning(
                "The header resolver trusts no client: TENANT_TRUSTED_PROXIES and TENANT_TRUSTED_PROXY_CHECK "
                f"are unset, so the {name} header is always ignored.",
                hint="List the reverse proxies that set the header in TENANT_TRUSTED_PROXIES.",
                id=f"{PREFIX}.W002",
            )
        )
    return errors


def check_path_prefix() -> list[CheckMessage]:
    """E009: ``TENANT_PATH_PREFIX`` is made of plain path segments (it may be empty)."""
    wrong = check_types("TENANT_PATH_PREFIX", "TENANT_PATH_PUBLIC")
    if wrong:
        return wrong
    prefix = resolver_settings.TENANT_PATH_PREFIX.strip("/")
    segments = prefix.split("/") if prefix else []
    if (prefix and not PATH_PREFIX_RE.fullmatch(prefix)) or any(s in {".", ".."} for s in segments):
        return [
            Error(
                f"TENANT_PATH_PREFIX {resolver_settings.TENANT_PATH_PREFIX!r} is not a plain URL path.",
                hint='Use path segments of letters, digits, "-", "_", "." and "~", e.g. "t" or "orgs".',
                id=f"{PREFIX}.E009",
            )
        ]
    return []


def check_domain_model() -> list[CheckMessage]:
    """E010: the hostname resolver needs ``TENANT_DOMAIN_MODEL``."""
    label = tenant_settings.TENANT_DOMAIN_MODEL
    if not label:
        return [
            Error(
                "TENANT_RESOLVER uses the hostname resolver, but TENANT_DOMAIN_MODEL is not set.",
                hint='Set TENANT_DOMAIN_MODEL = "app_label.Domain", a subclass of pg_tenants.core.models.DomainModel.',
                id=f"{PREFIX}.E010",
            )
        ]
    return []  # a label naming no model is the core's pg_tenants.E002
