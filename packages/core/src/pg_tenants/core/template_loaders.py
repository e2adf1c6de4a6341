"""Template loaders that let a tenant override any template with a file of its own.

``TENANT_TEMPLATE_DIRS`` lists the folders; in each, ``{schema}`` stands for
the active schema's name and ``{slug}`` for its tenant's slug. List
:class:`FilesystemLoader` before Django's loaders, so a tenant's file wins
and every other template comes from the usual places, and wrap them all in
:class:`CachedLoader`:

    TENANT_TEMPLATE_DIRS = [BASE_DIR / "tenant_templates" / "{schema}"]
    TEMPLATES = [{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "loaders": [
                ("pg_tenants.core.template_loaders.CachedLoader", [
                    "pg_tenants.core.template_loaders.FilesystemLoader",
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ]),
            ],
        },
    }]

Django's own cached loader keys templates by name alone, so the first tenant
to render ``base.html`` would decide what every tenant gets; check
``pg_tenants.E021`` refuses it around :class:`FilesystemLoader`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.template import Origin, Template, TemplateDoesNotExist
from django.template.loaders import base, cached, filesystem
from django.utils._os import safe_join
from django.utils.module_loading import import_string

from .conf import tenant_settings
from .context import get_current_schema_name
from .current import get_current_tenant
from .validation import slug_from_schema_name

#: What ``TENANT_TEMPLATE_DIRS`` entries may contain, and what fills each in.
PLACEHOLDERS = ("{schema}", "{slug}")
PLACEHOLDER_RE = re.compile(r"\{[^{}]*\}")


def _entries() -> list[str]:
    return [os.fspath(entry) for entry in tenant_settings.TENANT_TEMPLATE_DIRS]


def _uses_slug(entries: Sequence[str]) -> bool:
    return any("{slug}" in entry for entry in entries)


def _active_slug() -> str:
    # The tenant is known inside a request and tenant_context; schema_context
    # looks it up through the tenant cache.
    tenant = get_current_tenant()
    return tenant.slug or slug_from_schema_name(tenant.schema_name)


def tenant_template_dirs() -> list[str]:
    """The active tenant's folders: ``TENANT_TEMPLATE_DIRS`` with ``{schema}`` and ``{slug}`` filled in.

    In public, ``{schema}`` is ``PUBLIC_SCHEMA_NAME``. Only entries with
    ``{slug}`` need the tenant row; the schema's name costs nothing.
    """
    entries = _entries()
    if not entries:
        return []
    schema = get_current_schema_name()
    slug = _active_slug() if _uses_slug(entries) else ""
    return [entry.replace("{schema}", schema).replace("{slug}", slug) for entry in entries]


def tenant_template_roots() -> list[str]:
    """The folder of each ``TENANT_TEMPLATE_DIRS`` entry that holds every tenant's folder (the part before ``{``).

    ``.../tenant_templates/{schema}`` gives ``.../tenant_templates``.
    """
    roots: list[str] = []
    for entry in _entries():
        found = PLACEHOLDER_RE.search(entry)
        root = os.path.dirname(entry[: found.start()]) if found else entry
        if root:
            roots.append(root)
    return roots


def tenant_scope() -> str:
    """What tells the active tenant's templates apart: its schema's name (and slug, when folders use it)."""
    schema = get_current_schema_name()
    return f"{schema}/{_active_slug()}" if _uses_slug(_entries()) else schema


class FilesystemLoader(filesystem.Loader):
    """Loads templates from the active tenant's ``TENANT_TEMPLATE_DIRS`` folders, and nowhere else.

    List Django's loaders after it for every template a tenant does not
    override. A name that would leave the tenant's folder (``../globex/x.html``)
    is never looked up there.
    """

    def get_dirs(self) -> list[str | Path]:
        """The folders holding every tenant's folder, so that ``runserver`` reloads templates when one changes.

        Django's autoreloader asks loaders for their folders once, in no
        tenant; the folders searched are :meth:`get_template_sources`' business.
        """
        return list(tenant_template_roots())

    def get_template_sources(self, template_name: str) -> Iterator[Origin]:
        """Where ``template_name`` would be in each of the active tenant's folders."""
        for folder in tenant_template_dirs():
            try:
                name = safe_join(folder, template_name)
            except SuspiciousFileOperation:
                continue
            yield Origin(name=name, template_name=template_name, loader=self)


class _FilesCompiledOnce(base.Loader):
    """Hands out one compiled template per file, whichever tenant asks first.

    Placed between Django's cached loader and its base (see
    :class:`CachedLoader`'s bases), it is what the cached loader calls on a
    miss: the cache holds an entry per tenant, but a file that is not a
    tenant's own is read and compiled once, not once per tenant.
    """

    _compiled: dict[str, Template]

    def get_template(self, template_name: str, skip: list[Origin] | None = None) -> Template:
        tried: list[tuple[Origin, str]] = []
        compiled = self._compiled
        for origin in self.get_template_sources(template_name):
            if skip is not None and origin in skip:
                tried.append((origin, "Skipped to avoid recursion"))
                continue
            # A file's contents are the same for every tenant. Other loaders
            # (templates in tenant tables) may give one name to each tenant's own.
            is_file = isinstance(origin.loader, filesystem.Loader)
            if is_file and origin.name in compiled:
                return compiled[origin.name]
            try:
                contents = self.get_contents(origin)  # type: ignore[attr-defined]
            except TemplateDoesNotExist:
                tried.append((origin, "Source does not exist"))
                continue
            template = Template(contents, origin, template_name, self.engine)
            if is_file:
                compiled[origin.name] = template
            return template
        raise TemplateDoesNotExist(template_name, tried=tried)


class CachedLoader(cached.Loader, _FilesCompiledOnce):
    """Django's cached loader, with an entry per tenant and template: a tenant's override is never served to another.

    Templates no tenant overrides are still compiled once per process and
    shared; what grows with the tenants is one cache entry per tenant and
    template it renders. Like Django's, it reads a file once: restart (or let
    ``runserver`` reload) after changing templates.
    """

    def __init__(self, engine: Any, loaders: Any) -> None:
        self._compiled = {}
        super().__init__(engine, loaders)

    def cache_key(self, template_name: str, skip: Any = None) -> str:
        """Django's key, after the active tenant's :func:`tenant_scope`."""
        return f"{tenant_scope()}:{super().cache_key(template_name, skip)}"

    def reset(self) -> None:
        """Empty the cache, the compiled files included."""
        super().reset()
        self._compiled.clear()


#: A loader class, and the cached loaders wrapping it (outermost first).
LoaderInChain = tuple[type[Any], tuple[type[Any], ...]]


def configured_loaders() -> list[tuple[str, list[LoaderInChain]]]:
    """Each DjangoTemplates engine of ``TEMPLATES`` (its ``NAME`` or position) and its loaders, in the order tried.

    Read from the settings, not from the engines, for the system checks: a
    loader that does not import is left out (Django names the error when it
    first loads a template); an engine without ``loaders`` has none listed.
    """
    engines: list[tuple[str, list[LoaderInChain]]] = []
    for position, engine in enumerate(getattr(settings, "TEMPLATES", None) or []):
        if not isinstance(engine, dict) or engine.get("BACKEND") != "django.template.backends.django.DjangoTemplates":
            continue
        specs = (engine.get("OPTIONS") or {}).get("loaders")
        found: list[LoaderInChain] = []
        if isinstance(specs, (list, tuple)):
            _walk(specs, (), found)
        engines.append((str(engine.get("NAME") or position), found))
    return engines


def _walk(specs: Sequence[Any], wrappers: tuple[type[Any], ...], found: list[LoaderInChain]) -> None:
    for spec in specs:
        path, *args = spec if isinstance(spec, (list, tuple)) and spec else (spec,)
        try:
            loader_class = import_string(path)
        except (ImportError, TypeError, ValueError):
            continue
        if not isinstance(loader_class, type):
            continue
        if issubclass(loader_class, cached.Loader) and args and isinstance(args[0], (list, tuple)):
            _walk(args[0], (*wrappers, loader_class), found)
        else:
            found.append((loader_class, wrappers))
