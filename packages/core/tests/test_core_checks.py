"""Every system check id is triggered by the misconfiguration it names."""

from __future__ import annotations

import sys
import textwrap

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from pg_tenants.core.cache_keys import KEY_FUNCTION
from pg_tenants.core.distribution import installed_version
from pg_tenants.core.resolvers import discover_resolvers, get_resolver

BASE_MIDDLEWARE = [
    "pg_tenants.core.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]


def ids() -> dict[str, str]:
    get_resolver.cache_clear()
    return {m.id: m.msg for m in run_checks() if m.id and m.id.startswith("pg_tenants.")}


def test_sandbox_is_clean():
    assert ids() == {}


@override_settings(TENANT_MODEL="")
def test_e001_tenant_model_missing():
    assert "TENANT_MODEL is not set" in ids()["pg_tenants.E001"]


@override_settings(TENANT_MODEL="catalog.Category")
def test_e001_tenant_model_wrong_base():
    assert "not a subclass of pg_tenants.core.models.TenantModel" in ids()["pg_tenants.E001"]


@override_settings(TENANT_MODEL="customers.Nope")
def test_e001_tenant_model_not_installed():
    assert "not an installed model" in ids()["pg_tenants.E001"]


@override_settings(TENANT_DOMAIN_MODEL="customers.Client")
def test_e002_domain_model_wrong_base():
    assert "DomainModel" in ids()["pg_tenants.E002"]


@override_settings(DATABASE_ROUTERS=[])
def test_e003_router_missing():
    assert "TenantRouter" in ids()["pg_tenants.E003"]


@override_settings(MIDDLEWARE=BASE_MIDDLEWARE[1:])
def test_e004_middleware_missing():
    assert "TenantMiddleware is not in MIDDLEWARE" in ids()["pg_tenants.E004"]


@override_settings(MIDDLEWARE=[BASE_MIDDLEWARE[1], BASE_MIDDLEWARE[0], *BASE_MIDDLEWARE[2:]])
def test_e005_middleware_after_sessions():
    assert "SessionMiddleware" in ids()["pg_tenants.E005"]


@override_settings(TENANT_APPS=[])
def test_e006_tenant_apps_empty():
    assert "TENANT_APPS is empty" in ids()["pg_tenants.E006"]


def test_e007_listed_app_not_installed(settings):
    settings.TENANT_APPS = [*settings.TENANT_APPS, "not.installed.app"]
    assert "'not.installed.app', which is not in INSTALLED_APPS" in ids()["pg_tenants.E007"]


def test_w001_installed_app_in_neither_list(settings):
    settings.TENANT_APPS = ["django.contrib.contenttypes"]  # notes dropped
    messages = ids()
    assert "sandbox.notes" in messages["pg_tenants.W001"]


def test_e008_tenant_model_app_not_shared(settings):
    settings.SHARED_APPS = [a for a in settings.SHARED_APPS if a != "sandbox.customers"]
    settings.TENANT_APPS = [*settings.TENANT_APPS, "sandbox.customers"]
    assert "not in SHARED_APPS" in ids()["pg_tenants.E008"]


def test_e009_tenant_table_points_at_an_app_it_cannot_see(settings):
    # notes.Note has a foreign key to catalog.Category; move catalog out of both lists.
    settings.SHARED_APPS = [a for a in settings.SHARED_APPS if a != "sandbox.catalog"]
    message = ids()["pg_tenants.E009"]
    assert "notes.Note.category points at catalog.Category" in message


def test_e009_shared_table_points_into_tenant_only_app(settings):
    # admin.LogEntry (shared) points at auth.User: make auth tenant-only.
    settings.SHARED_APPS = [a for a in settings.SHARED_APPS if a != "django.contrib.auth"]
    settings.TENANT_APPS = [*settings.TENANT_APPS, "django.contrib.auth"]
    messages = [m.msg for m in run_checks() if m.id == "pg_tenants.E009"]
    assert any("admin.LogEntry.user points at auth.User" in m and "into public" in m for m in messages)


@override_settings(TENANT_RESOLVER="no_such_resolver")
def test_e011_unknown_resolver_name():
    assert "'no_such_resolver' is neither a registered resolver" in ids()["pg_tenants.E011"]


@override_settings(TENANT_RESOLVER="sandbox.nothing_here.Resolver")
def test_e011_unimportable_dotted_path():
    assert "cannot be imported" in ids()["pg_tenants.E011"]


@override_settings(TENANT_RESOLVER="sandbox.views.notes")
def test_e011_not_a_resolver():
    assert "needs resolve(request) and url_for" in ids()["pg_tenants.E011"]


@override_settings(TENANT_RESOLVER=None)
def test_e011_resolver_not_set():
    assert "TENANT_RESOLVER is not set" in ids()["pg_tenants.E011"]


def test_e011_known_name_without_its_extra(monkeypatch):
    # The resolvers package may be installed in this environment; hide its
    # registrations to see what a core-only install reports.
    discover_resolvers.cache_clear()
    monkeypatch.setattr("pg_tenants.core.resolvers.discover_resolvers", lambda: {})
    with override_settings(TENANT_RESOLVER="subdomain"):
        assert ids()["pg_tenants.E011"] == (
            "TENANT_RESOLVER 'subdomain' is provided by an extra that is not installed: "
            f'pip install "django-pg-tenants[resolvers]=={installed_version()}".'
        )


def test_e012_two_plugins_claim_one_name(tmp_path, monkeypatch):
    for dist, target in (("plugin_one", "sandbox.resolvers:SlugHostResolver"), ("plugin_two", "x.y:Z")):
        info = tmp_path / f"{dist}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(
            textwrap.dedent(f"""
                [pg_tenants.resolvers]
                twice = {target}
            """)
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    discover_resolvers.cache_clear()
    try:
        with override_settings(TENANT_RESOLVER="twice"):
            message = ids()["pg_tenants.E012"]
        assert "'twice' is registered twice" in message
        assert "plugin_one" in message and "plugin_two" in message
    finally:
        sys.path.remove(str(tmp_path))
        discover_resolvers.cache_clear()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_e013_engine_not_ours(settings):
    settings.DATABASES = {**settings.DATABASES}
    settings.DATABASES["default"] = {**settings.DATABASES["default"], "ENGINE": "django.db.backends.postgresql"}
    assert "search_path is never set" in ids()["pg_tenants.E013"]


@override_settings(TENANT_SEARCH_PATH_MODE="statement")
def test_e014_bad_search_path_mode():
    assert "'statement'" in ids()["pg_tenants.E014"]


@override_settings(TENANT_EXTRA_SEARCH_PATHS=["Extensions"])
def test_e015_bad_schema_name_in_settings():
    assert ids()["pg_tenants.E015"].startswith("TENANT_EXTRA_SEARCH_PATHS: Schema name 'Extensions' is invalid")


@override_settings(TENANT_NOT_FOUND="sandbox.views.missing_view")
def test_e016_not_found_view_missing():
    assert "TENANT_NOT_FOUND" in ids()["pg_tenants.E016"]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_e017_transaction_mode_with_server_side_cursors(settings):
    settings.TENANT_SEARCH_PATH_MODE = "transaction"
    assert "DISABLE_SERVER_SIDE_CURSORS" in ids()["pg_tenants.E017"]
    settings.DATABASES = {**settings.DATABASES}
    settings.DATABASES["default"] = {**settings.DATABASES["default"], "DISABLE_SERVER_SIDE_CURSORS": True}
    assert "pg_tenants.E017" not in ids()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_e017_per_database_transaction_mode(settings):
    settings.DATABASES = {**settings.DATABASES}
    settings.DATABASES["default"] = {**settings.DATABASES["default"], "TENANT_SEARCH_PATH_MODE": "transaction"}
    assert "'default'" in ids()["pg_tenants.E017"]


@pytest.mark.parametrize(
    ("setting", "value", "wanted"),
    [
        ("TENANT_SEARCH_PATH_ON_CONNECT", "False", "True or False"),
        ("TENANT_CACHE_MAX_ENTRIES", "5000", "a whole number"),
        ("TENANT_CACHE_TTL", True, "a number"),
        ("TENANT_EXTRA_SEARCH_PATHS", "extensions", "a list of strings"),
        ("TENANT_URLCONFS", {"premium": 1}, "a dict of strings to strings"),
        ("TENANT_MODEL", 42, "a string"),
        ("TENANT_NOT_FOUND", 404, "a string"),
    ],
)
def test_e018_setting_of_the_wrong_type(settings, setting, value, wanted):
    setattr(settings, setting, value)
    message = ids()["pg_tenants.E018"]
    assert message == f"{setting} is {value!r}, which is not {wanted}."


def test_e018_optional_settings_accept_none(settings):
    settings.TENANT_CACHE_ALIAS = None
    settings.PUBLIC_SCHEMA_URLCONF = None
    assert "pg_tenants.E018" not in ids()


@pytest.mark.parametrize(
    "check_id",
    sorted(
        {f"pg_tenants.E{n:03d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18)}
        | {"pg_tenants.W001", "pg_tenants.W002", "pg_tenants.W003"}
    ),
)
def test_every_check_id_is_documented(check_id):
    from pathlib import Path

    reference = Path(__file__).resolve().parents[3] / "docs" / "reference" / "checks.md"
    assert check_id in reference.read_text()


@override_settings(TENANT_RESOLVER=["sandbox.resolvers.HeaderOnlyResolver", "sandbox.resolvers.HeaderOnlyResolver"])
def test_chained_resolvers_checks_are_run_once_each():
    get_resolver.cache_clear()
    messages = [m for m in run_checks() if m.id == "sandbox.W001"]
    assert len(messages) == 1


# -- caches ------------------------------------------------------------------------------------

TENANT_KEYS = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_FUNCTION": KEY_FUNCTION}
PLAIN = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
UPDATE = "django.middleware.cache.UpdateCacheMiddleware"
FETCH = "django.middleware.cache.FetchFromCacheMiddleware"


def w002() -> list[str]:
    get_resolver.cache_clear()
    return [m.msg for m in run_checks() if m.id == "pg_tenants.W002"]


@override_settings(TENANT_RESOLVER="sandbox.resolvers.HeaderOnlyResolver", CACHES={"default": PLAIN})
def test_w002_header_resolver_and_a_cache_without_tenant_keys():
    [message] = w002()
    assert "chooses the tenant by the X-Sandbox-Tenant header" in message
    assert "entries set through django.core.cache.cache and pages cached by cache_page" in message


@override_settings(
    TENANT_RESOLVER="sandbox.resolvers.HeaderOnlyResolver",
    CACHES={"default": TENANT_KEYS, "pages": PLAIN},
    CACHE_MIDDLEWARE_ALIAS="pages",
)
def test_w002_names_the_cache_middleware_alias():
    [message] = w002()
    assert "cache 'pages'" in message and "pages cached by cache_page" in message
    assert "django.core.cache.cache" not in message


@override_settings(TENANT_RESOLVER="sandbox.resolvers.HeaderOnlyResolver", CACHES={"default": TENANT_KEYS})
def test_w002_quiet_with_tenant_keys_or_no_header():
    assert w002() == []
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        assert w002() == []  # caches nothing
    with override_settings(TENANT_RESOLVER="sandbox.resolvers.SlugHostResolver", CACHES={"default": PLAIN}):
        assert w002() == []  # the host is in every page's key


@override_settings(CACHES={"default": TENANT_KEYS})
def test_w003_site_cache_around_tenant_middleware(settings):
    tenant, *rest = BASE_MIDDLEWARE
    settings.MIDDLEWARE = [UPDATE, tenant, *rest, FETCH]
    assert (
        "UpdateCacheMiddleware comes before TenantMiddleware and FetchFromCacheMiddleware after"
        in (ids()["pg_tenants.W003"])
    )
    settings.MIDDLEWARE = [FETCH, tenant, UPDATE, *rest]
    assert (
        "FetchFromCacheMiddleware comes before TenantMiddleware and UpdateCacheMiddleware after"
        in (ids()["pg_tenants.W003"])
    )
    settings.MIDDLEWARE = [tenant, UPDATE, *rest, FETCH]
    assert "pg_tenants.W003" not in ids()
    settings.MIDDLEWARE = [UPDATE, tenant, *rest, FETCH]
    settings.CACHES = {"default": PLAIN}  # keys without the tenant: URL and Vary decide
    assert "pg_tenants.W003" not in ids()


def _urlconf_errors() -> list[str]:
    get_resolver.cache_clear()
    return [m.msg for m in run_checks() if m.id == "pg_tenants.E019"]


def test_e019_urlconfs_that_cannot_serve_requests(tmp_path, monkeypatch):
    (tmp_path / "urls_raising.py").write_text("from django.urls import path\nraise RuntimeError('typo in a view')\n")
    (tmp_path / "urls_empty.py").write_text("# urlpatterns forgotten\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with override_settings(
        PUBLIC_SCHEMA_URLCONF="mysaas.urls_public",
        TENANT_URLCONFS={"premium": "urls_raising", "basic": "urls_empty"},
    ):
        errors = _urlconf_errors()
    assert errors == [
        "PUBLIC_SCHEMA_URLCONF 'mysaas.urls_public' cannot be used: importing it raises "
        "ModuleNotFoundError: No module named 'mysaas'.",
        "TENANT_URLCONFS['premium'] 'urls_raising' cannot be used: importing it raises RuntimeError: typo in a view.",
        "TENANT_URLCONFS['basic'] 'urls_empty' cannot be used: it has no urlpatterns.",
    ]


@override_settings(ROOT_URLCONF="sandbox.no_such_urls")
def test_e019_root_urlconf():
    # Django's own URL check raises the ImportError itself when it runs first (manage.py check);
    # alone (check --tag urls of this app's checks, or called), E019 names the setting.
    from pg_tenants.core.checks import check_urlconfs

    assert [m.msg for m in check_urlconfs()] == [
        "ROOT_URLCONF 'sandbox.no_such_urls' cannot be used: importing it raises "
        "ModuleNotFoundError: No module named 'sandbox.no_such_urls'."
    ]


@override_settings(TENANT_URLCONFS={"premium": "sandbox.urls_premium"})
def test_e019_silent_for_urlconfs_that_import():
    assert _urlconf_errors() == []
