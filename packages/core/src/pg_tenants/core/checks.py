"""System checks: every misconfiguration a project can make, caught at start-up.

Each check has an id (``pg_tenants.E001`` ...) documented in the reference,
and a test that triggers it. Checks are tagged (``models``, ``security``,
``urls``, ``caches``) so ``manage.py check --tag`` can select them.
"""

from __future__ import annotations

import importlib
import os
from pathlib import PurePath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db.models import FileField
from django.template.loaders import cached, filesystem
from django.utils.module_loading import import_string

from .cache_keys import KEY_FUNCTION, uses_tenant_keys
from .check_helpers import dotted_path_problem, middleware_order, setting_type_errors
from .conf import tenant_settings
from .models import DomainModel, TenantModel
from .resolvers import DuplicateResolverName, get_resolver, load_resolver, vary_headers
from .routers import app_labels
from .storage import TenantStorageMixin, follows_active_tenant
from .template_loaders import PLACEHOLDER_RE, PLACEHOLDERS, CachedLoader, FilesystemLoader, configured_loaders
from .validation import InvalidSchemaName, validate_schema_name

BACKEND = "pg_tenants.core.backend"
ROUTER = "pg_tenants.core.routers.TenantRouter"
MIDDLEWARE = "pg_tenants.core.middleware.TenantMiddleware"
#: Middleware that reads tenant tables and so must run after TenantMiddleware.
MUST_FOLLOW = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)
SEARCH_PATH_MODES = ("session", "transaction")
UPDATE_CACHE = "django.middleware.cache.UpdateCacheMiddleware"
FETCH_CACHE = "django.middleware.cache.FetchFromCacheMiddleware"
DUMMY_CACHE = "django.core.cache.backends.dummy.DummyCache"


@register()
def check_setting_types(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E018: each setting has the type it must have (``"False"`` is not ``False``)."""
    # Each of these has a check of its own that reports any wrong value.
    own_checks = ("PUBLIC_SCHEMA_NAME", "TENANT_SEARCH_PATH_MODE", "TENANT_RESOLVER")
    return setting_type_errors(tenant_settings, "pg_tenants.E018", skip=own_checks)


@register(Tags.models)
def check_models(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E001, E002: the tenant and domain models."""
    errors: list[CheckMessage] = []
    for setting, base, required, cid in (
        ("TENANT_MODEL", TenantModel, True, "pg_tenants.E001"),
        ("TENANT_DOMAIN_MODEL", DomainModel, False, "pg_tenants.E002"),
    ):
        label = getattr(tenant_settings, setting)
        if not isinstance(label, str):
            continue  # E018
        if not label:
            if required:
                errors.append(
                    Error(
                        f"{setting} is not set.",
                        hint=f'Set {setting} = "app_label.ModelName" to a subclass of {base.__name__}.',
                        id=cid,
                    )
                )
            continue
        try:
            model = apps.get_model(label)
        except (ValueError, LookupError):
            errors.append(Error(f"{setting} refers to {label!r}, which is not an installed model.", id=cid))
            continue
        if not issubclass(model, base):
            errors.append(
                Error(
                    f"{setting} {label!r} is not a subclass of pg_tenants.core.models.{base.__name__}.",
                    id=cid,
                )
            )
    return errors


@register(Tags.security)
def check_database_wiring(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E003, E013: the backend and the router in place."""
    errors: list[CheckMessage] = []
    engine = settings.DATABASES.get("default", {}).get("ENGINE", "")
    if engine != BACKEND:
        errors.append(
            Error(
                f"DATABASES['default']['ENGINE'] is {engine!r}, so search_path is never set.",
                hint=f'Set ENGINE to "{BACKEND}" (TENANT_BASE_BACKEND names the backend it wraps).',
                id="pg_tenants.E013",
            )
        )
    if ROUTER not in list(getattr(settings, "DATABASE_ROUTERS", [])):
        errors.append(
            Error(
                "TenantRouter is not in DATABASE_ROUTERS, so migrations ignore SHARED_APPS and TENANT_APPS.",
                hint=f'Add "{ROUTER}" to DATABASE_ROUTERS.',
                id="pg_tenants.E003",
            )
        )
    return errors


@register(Tags.security)
def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E004, E005: TenantMiddleware in place, before the middleware that reads tenant tables."""
    before = middleware_order(MIDDLEWARE, must_precede=MUST_FOLLOW)
    if before is None:
        return [
            Error(
                "TenantMiddleware is not in MIDDLEWARE, so requests are never given a tenant.",
                hint=f'Add "{MIDDLEWARE}" at the top of MIDDLEWARE.',
                id="pg_tenants.E004",
            )
        ]
    if before:
        return [
            Error(
                f"TenantMiddleware comes after {', '.join(before)}, which would read the wrong schema.",
                hint="Move TenantMiddleware above them, at the top of MIDDLEWARE.",
                id="pg_tenants.E005",
            )
        ]
    return []


@register(Tags.models)
def check_apps(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E006-E010, W001: SHARED_APPS and TENANT_APPS."""
    errors: list[CheckMessage] = []
    shared, tenant = tenant_settings.SHARED_APPS, tenant_settings.TENANT_APPS
    if not tenant:
        errors.append(
            Error(
                "TENANT_APPS is empty: tenant schemas would hold no tables.",
                hint="List the apps whose data belongs to each tenant in TENANT_APPS.",
                id="pg_tenants.E006",
            )
        )
    installed_names = {c.name for c in apps.get_app_configs()}
    installed_classes = {f"{type(c).__module__}.{type(c).__qualname__}" for c in apps.get_app_configs()}
    for setting, entries in (("SHARED_APPS", shared), ("TENANT_APPS", tenant)):
        for entry in entries:
            if entry not in installed_names and entry not in installed_classes:
                errors.append(
                    Error(
                        f"{setting} lists {entry!r}, which is not in INSTALLED_APPS.",
                        hint=f"Add {entry!r} to INSTALLED_APPS or remove it from {setting}.",
                        id="pg_tenants.E007",
                    )
                )
    shared_labels, tenant_labels = app_labels(shared), app_labels(tenant)
    for config in apps.get_app_configs():
        if config.label not in shared_labels | tenant_labels and list(config.get_models()):
            errors.append(
                Warning(
                    f"App {config.name!r} has models but is in neither SHARED_APPS nor TENANT_APPS; "
                    "its tables are never created.",
                    hint="Add it to SHARED_APPS (public) or TENANT_APPS (each tenant).",
                    id="pg_tenants.W001",
                )
            )
    for setting in ("TENANT_MODEL", "TENANT_DOMAIN_MODEL"):
        label = getattr(tenant_settings, setting)
        if isinstance(label, str) and "." in label:
            app_label = label.split(".")[0]
            if app_label not in shared_labels:
                errors.append(
                    Error(
                        f"{setting} {label!r} belongs to app {app_label!r}, which is not in SHARED_APPS.",
                        hint="Tenants are stored in public: add that app to SHARED_APPS.",
                        id="pg_tenants.E008",
                    )
                )
    errors.extend(_check_relations(shared_labels, tenant_labels))
    return errors


def _check_relations(shared: frozenset[str], tenant: frozenset[str]) -> list[CheckMessage]:
    """E009: a table must be able to reach every table its foreign keys point at."""
    errors: list[CheckMessage] = []
    for model in apps.get_models(include_auto_created=True):
        source = model._meta.app_label
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model is not None):
                continue
            related = field.related_model
            if isinstance(related, str):
                continue
            target = related._meta.app_label
            if target == source:
                continue
            # Public tables see only public; tenant tables see their schema, then public.
            problem = None
            if source in shared and target not in shared:
                problem = "public"
            elif source in tenant and target not in tenant and target not in shared:
                problem = "tenant schemas"
            if problem:
                errors.append(
                    Error(
                        f"{model._meta.label}.{field.name} points at {related._meta.label}, whose app "
                        f"{target!r} is not migrated into {problem} where {model._meta.label} lives.",
                        hint=f"Add {target!r} to "
                        + ("SHARED_APPS." if problem == "public" else "TENANT_APPS or SHARED_APPS."),
                        obj=model,
                        id="pg_tenants.E009",
                    )
                )
    return errors


@register(Tags.urls)
def check_resolver(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E011, E012: ``TENANT_RESOLVER`` loads, and no two plug-ins share a name."""
    spec = tenant_settings.TENANT_RESOLVER
    try:
        resolver = load_resolver(spec)
    except DuplicateResolverName as exc:
        return [Error(str(exc), id="pg_tenants.E012")]
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="pg_tenants.E011")]
    get_resolver.cache_clear()
    check = getattr(resolver, "check", None)
    return list(check()) if callable(check) else []


# Not Tags.database: Django runs those only when `check --database` names an alias,
# and these read settings, not the database.
@register()
def check_search_path(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E014, E015: the search-path mode, and the schema names the search path is made of."""
    errors: list[CheckMessage] = []
    mode = tenant_settings.TENANT_SEARCH_PATH_MODE
    if mode not in SEARCH_PATH_MODES:
        errors.append(
            Error(
                f"TENANT_SEARCH_PATH_MODE is {mode!r}.",
                hint='Use "session" (default) or "transaction" (behind PgBouncer in transaction pooling).',
                id="pg_tenants.E014",
            )
        )
    names = [("PUBLIC_SCHEMA_NAME", tenant_settings.PUBLIC_SCHEMA_NAME)]
    extras = tenant_settings.TENANT_EXTRA_SEARCH_PATHS
    if isinstance(extras, (list, tuple)):  # otherwise E018
        names += [("TENANT_EXTRA_SEARCH_PATHS", n) for n in extras]
    for setting, name in names:
        try:
            validate_schema_name(name, allow_public=True)
        except InvalidSchemaName as exc:
            errors.append(Error(f"{setting}: {exc.messages[0]}", id="pg_tenants.E015"))
    return errors


@register(Tags.urls)
def check_not_found(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E016: ``TENANT_NOT_FOUND`` names a view that imports."""
    action = tenant_settings.TENANT_NOT_FOUND
    if not isinstance(action, str) or action in {"404", "public", ""}:
        return []  # a value of another type is E018
    problem = dotted_path_problem(action)
    if problem is None:
        return []
    return [
        Error(
            f"TENANT_NOT_FOUND {action!r} is neither '404', 'public' nor an importable view: {problem}",
            id="pg_tenants.E016",
        )
    ]


@register(Tags.security)
def check_transaction_mode_cursors(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E017: transaction pooling mode with server-side cursors left on."""
    errors: list[CheckMessage] = []
    for alias, config in settings.DATABASES.items():
        if config.get("ENGINE") != BACKEND:
            continue
        mode = config.get("TENANT_SEARCH_PATH_MODE") or tenant_settings.TENANT_SEARCH_PATH_MODE
        if mode == "transaction" and not config.get("DISABLE_SERVER_SIDE_CURSORS"):
            errors.append(
                Error(
                    f'Database {alias!r} uses TENANT_SEARCH_PATH_MODE = "transaction" with server-side cursors '
                    "enabled (DISABLE_SERVER_SIDE_CURSORS is not set): QuerySet.iterator() outside a transaction "
                    "declares a cursor WITH HOLD that outlives its transaction, and through a transaction pooler "
                    "another client can read from it.",
                    hint=f'Set DATABASES[{alias!r}]["DISABLE_SERVER_SIDE_CURSORS"] = True.',
                    id="pg_tenants.E017",
                )
            )
    return errors


@register(Tags.caches, Tags.security)
def check_shared_caches(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W002: a header-resolved project whose ``cache_page`` or low-level cache keys name no tenant."""
    try:
        headers = vary_headers(load_resolver(tenant_settings.TENANT_RESOLVER))
    except ImproperlyConfigured:
        return []  # E011, E012
    if not headers:
        return []  # the host and the path, in every page's key, keep tenants apart
    if not all(isinstance(name, str) for name in headers):
        return []  # a header setting of the wrong type: the resolver's own check reports it
    middleware_alias = settings.CACHE_MIDDLEWARE_ALIAS
    roles = (
        ("default", "entries set through django.core.cache.cache"),
        (middleware_alias, "pages cached by cache_page"),
    )
    warnings: list[CheckMessage] = []
    for alias in dict.fromkeys(("default", middleware_alias)):
        config = settings.CACHES.get(alias)
        if config is None or config.get("BACKEND") == DUMMY_CACHE or uses_tenant_keys(config):
            continue
        shared = " and ".join(role for name, role in roles if name == alias)
        warnings.append(
            Warning(
                f"TENANT_RESOLVER chooses the tenant by the {', '.join(headers)} header, so tenants share URLs "
                f"and hosts, and cache {alias!r} keeps no tenant in its keys: {shared} are shared between "
                "tenants, and one tenant's are served to another.",
                hint=f'Set CACHES[{alias!r}]["KEY_FUNCTION"] = "{KEY_FUNCTION}".',
                id="pg_tenants.W002",
            )
        )
    return warnings


@register(Tags.caches)
def check_site_cache_order(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W003: the site-wide cache stores pages under one schema's keys and looks them up under another's."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if not {MIDDLEWARE, UPDATE_CACHE, FETCH_CACHE} <= set(middleware):
        return []
    alias = settings.CACHE_MIDDLEWARE_ALIAS
    config = settings.CACHES.get(alias)
    if config is None or not uses_tenant_keys(config):
        return []
    tenant_at = middleware.index(MIDDLEWARE)
    update_outside = middleware.index(UPDATE_CACHE) < tenant_at
    fetch_outside = middleware.index(FETCH_CACHE) < tenant_at
    if update_outside == fetch_outside:
        return []
    outside, inside = ("UpdateCacheMiddleware", "FetchFromCacheMiddleware")[:: 1 if update_outside else -1]
    return [
        Warning(
            f"{outside} comes before TenantMiddleware and {inside} after it, while cache {alias!r} "
            "(CACHE_MIDDLEWARE_ALIAS) puts the active tenant in its keys: pages are stored under one schema's "
            "keys and looked up under another's, so no tenant's page is ever served from the cache.",
            hint="Put TenantMiddleware first in MIDDLEWARE, above both cache middleware: pages are then stored "
            "and looked up under the tenant's keys.",
            id="pg_tenants.W003",
        )
    ]


@register(Tags.urls)
def check_urlconfs(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E019: ``ROOT_URLCONF``, ``PUBLIC_SCHEMA_URLCONF`` and every ``TENANT_URLCONFS`` value import.

    Otherwise the first request to that site is a bare 500, while the rest of
    the project starts and ``manage.py check`` would have said nothing.
    """
    named: list[tuple[str, Any]] = [("ROOT_URLCONF", getattr(settings, "ROOT_URLCONF", None))]
    named.append(("PUBLIC_SCHEMA_URLCONF", tenant_settings.PUBLIC_SCHEMA_URLCONF))
    urlconfs = tenant_settings.TENANT_URLCONFS
    if isinstance(urlconfs, dict):  # another type is E018
        named += [(f"TENANT_URLCONFS[{tenant_type!r}]", path) for tenant_type, path in urlconfs.items()]
    errors: list[CheckMessage] = []
    for setting, path in named:
        if not isinstance(path, str) or not path:
            continue  # unset; a value of another type is E018 (ROOT_URLCONF: Django's own error)
        problem = urlconf_problem(path)
        if problem is not None:
            errors.append(
                Error(
                    f"{setting} {path!r} cannot be used: {problem}.",
                    hint="Point it at a module that defines urlpatterns (and fix the error above if it has one).",
                    id="pg_tenants.E019",
                )
            )
    return errors


def urlconf_problem(path: str) -> str | None:
    """Why the urlconf module ``path`` cannot serve requests (it does not import, has no urlpatterns), or ``None``."""
    try:
        module = importlib.import_module(path)
    except Exception as exc:  # an import error, or any error its code raises: all would be a 500
        return f"importing it raises {type(exc).__name__}: {exc}"
    if not hasattr(module, "urlpatterns"):
        return "it has no urlpatterns"
    return None


# -- templates, files ------------------------------------------------------------------


@register(Tags.templates)
def check_tenant_template_dirs(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E020: each ``TENANT_TEMPLATE_DIRS`` entry names a folder per tenant (``{schema}`` or ``{slug}``)."""
    entries = tenant_settings.TENANT_TEMPLATE_DIRS
    if not isinstance(entries, (list, tuple)):
        return []  # E018
    errors: list[CheckMessage] = []
    for entry in entries:
        if not isinstance(entry, (str, PurePath)):
            continue  # E018
        found = PLACEHOLDER_RE.findall(os.fspath(entry))
        unknown = [p for p in found if p not in PLACEHOLDERS]
        if unknown or not found:
            problem = f"has {', '.join(unknown)}, which" if unknown else "has no placeholder, so it"
            errors.append(
                Error(
                    f"TENANT_TEMPLATE_DIRS entry {os.fspath(entry)!r} {problem} "
                    "names the same folder for every tenant.",
                    hint='Put "{schema}" (the schema\'s name) or "{slug}" (the tenant\'s slug) where each '
                    "tenant's folder name goes; shared folders belong in TEMPLATES' DIRS.",
                    id="pg_tenants.E020",
                )
            )
    return errors


@register(Tags.templates, Tags.security)
def check_tenant_template_loaders(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E021, W005, W006: where the tenant template loader stands in ``TEMPLATES``."""
    messages: list[CheckMessage] = []
    listed = False
    for alias, leaves in configured_loaders():
        tenant_at = [i for i, (cls, _) in enumerate(leaves) if issubclass(cls, FilesystemLoader)]
        if not tenant_at:
            continue
        listed = True
        wrappers = {
            wrapper
            for i in tenant_at
            for wrapper in leaves[i][1]
            if issubclass(wrapper, cached.Loader) and not issubclass(wrapper, CachedLoader)
        }
        for wrapper in sorted(wrappers, key=lambda w: w.__qualname__):
            messages.append(
                Error(
                    f"TEMPLATES[{alias!r}]: {wrapper.__module__}.{wrapper.__qualname__} caches "
                    "pg_tenants.core.template_loaders.FilesystemLoader's templates by name alone, so the first "
                    "tenant to render a template it overrides serves its own to every tenant.",
                    hint='Wrap the loaders in "pg_tenants.core.template_loaders.CachedLoader" instead.',
                    id="pg_tenants.E021",
                )
            )
        shadowing = [
            cls
            for cls, _ in leaves[: tenant_at[0]]
            if issubclass(cls, filesystem.Loader) and not issubclass(cls, FilesystemLoader)
        ]
        if shadowing:
            names = ", ".join(dict.fromkeys(f"{c.__module__}.{c.__qualname__}" for c in shadowing))
            messages.append(
                Warning(
                    f"TEMPLATES[{alias!r}]: {names} comes before pg_tenants.core.template_loaders.FilesystemLoader, "
                    "so a template it finds hides every tenant's own file of that name.",
                    hint="Put FilesystemLoader first in its loader list.",
                    id="pg_tenants.W006",
                )
            )
    entries = tenant_settings.TENANT_TEMPLATE_DIRS
    if entries and isinstance(entries, (list, tuple)) and not listed:
        messages.append(
            Warning(
                "TENANT_TEMPLATE_DIRS is set, but no DjangoTemplates engine in TEMPLATES lists "
                "pg_tenants.core.template_loaders.FilesystemLoader, so no tenant's templates are ever used.",
                hint="List it in TEMPLATES' OPTIONS['loaders'] (see the docs: templates, static and media).",
                id="pg_tenants.W005",
            )
        )
    return messages


@register(Tags.models)
def check_shared_model_files(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W004: a file field of a model that lives only in public, on a storage that follows the active tenant."""
    shared, tenant = app_labels(tenant_settings.SHARED_APPS), app_labels(tenant_settings.TENANT_APPS)
    warnings: list[CheckMessage] = []
    for model in apps.get_models():
        if model._meta.app_label not in shared or model._meta.app_label in tenant:
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, FileField):
                continue
            if follows_active_tenant(field.storage):
                warnings.append(
                    Warning(
                        f"{model._meta.label}.{field.name} is stored in public, but its storage keeps files in the "
                        "active tenant's folder: a file uploaded in one tenant (or in public) is looked for in "
                        "another's folder wherever else the row is shown.",
                        hint='Give the field a storage pinned to public: TenantFileSystemStorage(schema_name="public") '
                        "(or your storage with the same option).",
                        obj=field,
                        id="pg_tenants.W004",
                    )
                )
    return warnings


@register(Tags.staticfiles)
def check_static_storage(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E022: ``STORAGES["staticfiles"]`` keeps files per tenant, which ``collectstatic`` (run in public) cannot fill."""
    config = (getattr(settings, "STORAGES", None) or {}).get("staticfiles") or {}
    backend = config.get("BACKEND")
    if not isinstance(backend, str):
        return []
    try:
        storage_class = import_string(backend)
    except ImportError:
        return []  # Django reports it
    pinned = (config.get("OPTIONS") or {}).get("schema_name")
    if not (isinstance(storage_class, type) and issubclass(storage_class, TenantStorageMixin)) or pinned:
        return []
    return [
        Error(
            f'STORAGES["staticfiles"] is {backend!r}, which keeps files in the active tenant\'s folder: '
            "collectstatic runs in public and fills only public's, so tenants' pages link to static files "
            "that do not exist.",
            hint="Use a storage that is the same for every tenant (StaticFilesStorage, ManifestStaticFilesStorage); "
            "see the docs: templates, static and media, on per-tenant static files.",
            id="pg_tenants.E022",
        )
    ]
