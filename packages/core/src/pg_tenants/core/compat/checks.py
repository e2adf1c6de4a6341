"""System checks for what a django-pg-tenants 2.x project leaves in its settings.

Registered when the core's app is ready, for every project: they cost a walk
over the settings and find nothing in a project that never used 2.x.

- ``pg_tenants.E101``: a setting names a ``tenant_schemas`` dotted path (the
  engine, the router, the middleware, a storage...); the message names the
  3.0 path that replaces it.
- ``pg_tenants.E102``: a 2.x setting that 3.0 reads under another name, set
  without the new name, so its value would be lost.
- ``pg_tenants.W101``: a 2.x setting 3.0 ignores (``TENANT_LIMIT_SET_CALLS``...).
- ``pg_tenants.E103``: the tenant model keeps ``domain_url`` in Domain rows
  (:class:`~pg_tenants.core.compat.models.TenantMixin`) and
  ``TENANT_DOMAIN_MODEL`` is not set.
- ``pg_tenants.E104``: ``DEFAULT_FILE_STORAGE`` or ``STATICFILES_STORAGE``,
  the only way to name a storage in 2.x's Django versions, which Django 5.1
  stopped reading.

Some 2.x paths stop Django before any check runs, with Django's own error:
the default database's ``ENGINE`` (loaded while models are imported), a
cache's ``KEY_FUNCTION`` (loaded by Django's cache checks) and ``LOGGING``
filters (configured before the apps). The guide's ``sed`` rewrites those.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from pg_tenants.core.conf import tenant_settings

from .conf import is_set, legacy_settings
from .models import TenantMixin
from .renames import DEFAULT_BACKENDS, LEGACY_MODULE, RENAMED_SETTINGS, replacement_for

#: Settings Django 5.1 stopped reading: a storage named there must move into STORAGES.
_REMOVED_STORAGE_SETTINGS = {"DEFAULT_FILE_STORAGE": "default", "STATICFILES_STORAGE": "staticfiles"}


def _strings(where: str, value: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """Each string in a setting's value, with where it is (``DATABASES['default']['ENGINE']``).

    A string in a list is where the list is (``MIDDLEWARE``); a dict or list
    in a list gets its index (``TEMPLATES[0]['OPTIONS']``).
    """
    if isinstance(value, str):
        yield where, value
    elif depth < 8 and isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(f"{where}[{key!r}]", item, depth + 1)
    elif depth < 8 and isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            inner = f"{where}[{index}]" if isinstance(item, dict | list | tuple) else where
            yield from _strings(inner, item, depth + 1)


def _read_quietly(name: str) -> Any:
    """A setting's value, without the deprecation warning Django gives when some are read.

    Every setting is read here, defaults included; Django 6.1 warns on reading
    ``EMAIL_BACKEND`` even when the project never set it, and that warning
    would be this check's, not the project's.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return getattr(settings, name, None)


def _is_legacy_path(value: str) -> bool:
    return value == LEGACY_MODULE or value.startswith(LEGACY_MODULE + ".")


@register(Tags.compatibility)
def check_legacy_dotted_paths(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E101: settings that still name modules of django-pg-tenants 2.x."""
    errors: list[CheckMessage] = []
    for name in sorted(set(dir(settings))):
        if not name.isupper():
            continue
        for where, value in _strings(name, _read_quietly(name)):
            if not _is_legacy_path(value):
                continue
            replacement = replacement_for(value)
            hint = replacement.advice()
            if name in _REMOVED_STORAGE_SETTINGS and replacement.path:
                hint = _storages_hint(name, replacement.path, replacement.note)
            errors.append(
                Error(
                    f"{where} names {value!r}, a module of django-pg-tenants 2.x, which 3.0 does not have.",
                    hint=hint,
                    id="pg_tenants.E101",
                )
            )
    return errors


@register(Tags.compatibility)
def check_removed_storage_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E104: ``DEFAULT_FILE_STORAGE`` / ``STATICFILES_STORAGE``, which Django 5.1 and later ignore."""
    errors: list[CheckMessage] = []
    for name in _REMOVED_STORAGE_SETTINGS:
        value = getattr(settings, name, None)
        if not isinstance(value, str) or _is_legacy_path(value):
            continue  # a 2.x path is E101, with the same advice
        errors.append(
            Error(
                f"{name} is {value!r}, but Django 5.1 and later no longer read {name}: "
                "files are stored by Django's default storage instead.",
                hint=_storages_hint(name, value),
                id="pg_tenants.E104",
            )
        )
    return errors


def _storages_hint(name: str, backend: str, note: str = "") -> str:
    alias = _REMOVED_STORAGE_SETTINGS[name]
    return f'Set STORAGES["{alias}"]["BACKEND"] = "{backend}"{note} and remove {name}.'


@register(Tags.compatibility)
def check_legacy_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E102, W101: 2.x settings that 3.0 reads under another name, or ignores."""
    messages: list[CheckMessage] = []
    for old, new in RENAMED_SETTINGS.items():
        value = getattr(legacy_settings, old)
        if value is None:
            continue
        current = getattr(tenant_settings, new)
        if not is_set(new) and not _same_setting(old, value, current):
            messages.append(
                Error(
                    f"{old} is the django-pg-tenants 2.x name of {new}, which 3.0 reads instead: "
                    f"{value!r} would be ignored.",
                    hint=f"Rename {old} to {new}.",
                    id="pg_tenants.E102",
                )
            )
        elif _same_setting(old, value, current):
            messages.append(_ignored(old, f"it means what {new} ({current!r}) already says", f"Remove {old}."))
        else:
            messages.append(_ignored(old, f"3.0 reads {new}, which is {current!r}", f"Remove {old}."))
    if legacy_settings.TENANT_LIMIT_SET_CALLS is not None:
        messages.append(
            _ignored(
                "TENANT_LIMIT_SET_CALLS",
                "3.0's backend always sends SET search_path only when the connection is not on the active "
                "schema's path already, and again after a rollback or a reconnect",
                "Remove TENANT_LIMIT_SET_CALLS.",
            )
        )
    processes = legacy_settings.TENANT_PARALLEL_MIGRATION_MAX_PROCESSES
    if processes is not None:
        messages.append(
            _ignored(
                "TENANT_PARALLEL_MIGRATION_MAX_PROCESSES",
                "migrate_schemas migrates TENANT_MIGRATION_JOBS schemas at once, on one connection each",
                f"Set TENANT_MIGRATION_JOBS = {processes!r} (or pass --jobs) and remove "
                "TENANT_PARALLEL_MIGRATION_MAX_PROCESSES.",
            )
        )
    if legacy_settings.TENANT_PARALLEL_MIGRATION_CHUNKS is not None:
        messages.append(
            _ignored(
                "TENANT_PARALLEL_MIGRATION_CHUNKS",
                "migrate_schemas gives each job one schema at a time",
                "Remove TENANT_PARALLEL_MIGRATION_CHUNKS.",
            )
        )
    return messages


def _same_setting(old: str, value: Any, current: Any) -> bool:
    if old == "ORIGINAL_BACKEND":
        return value == current or (value in DEFAULT_BACKENDS and current in DEFAULT_BACKENDS)
    return list(value) == list(current) if isinstance(value, (list, tuple)) else value == current


def _ignored(name: str, why: str, hint: str) -> Warning:
    return Warning(
        f"{name} is a django-pg-tenants 2.x setting, ignored by 3.0: {why}.",
        hint=hint,
        id="pg_tenants.W101",
    )


@register(Tags.models)
def check_domain_url_model(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E103: a tenant model with 2.x's ``domain_url`` needs a domain model to keep it in."""
    label = tenant_settings.TENANT_MODEL
    if not isinstance(label, str) or not label or tenant_settings.TENANT_DOMAIN_MODEL:
        return []
    try:
        model = apps.get_model(label)
    except (ValueError, LookupError):
        return []  # pg_tenants.E001
    if not issubclass(model, TenantMixin):
        return []
    return [
        Error(
            f"TENANT_MODEL {label!r} is a pg_tenants.core.compat.models.TenantMixin, whose domain_url is the "
            "tenant's primary row of TENANT_DOMAIN_MODEL, and TENANT_DOMAIN_MODEL is not set.",
            hint="Add `class Domain(DomainModel): pass` (pg_tenants.core.models) beside the tenant model and set "
            f'TENANT_DOMAIN_MODEL = "{label.partition(".")[0]}.Domain".',
            obj=model,
            id="pg_tenants.E103",
        )
    ]
