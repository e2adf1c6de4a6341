"""Plain Django settings: the upper bound the tenant libraries are measured against."""

from __future__ import annotations

from benchsettings import COMMON, database

globals().update(COMMON)

INSTALLED_APPS = ["django.contrib.contenttypes", "benchapp", "plainsite"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "benchapp.urls"
DATABASES = {"default": database("django.db.backends.postgresql")}
