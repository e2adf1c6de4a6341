"""Coming from django-pg-tenants 2.x (docs/guides/from-2x.md): the compatibility layer, its checks, the guide.

In this process, with the sandbox's settings: the 2.x names ``pg_tenants.core.compat``
offers, each system check id, the storage, template loaders, log filter and
the upgrade operation's row handling, and that the page carries what the
project under ``sandbox/legacy2x/`` runs.

In processes of their own: that project, the 2.x project of
``sandbox/legacy2x/before_2x/`` after the guide's steps, on a database loaded
from ``database_2x.sql`` (what 2.x left: a tenant table with ``domain_url``,
two tenant schemas with their rows). The guide's ``sed`` is run over the 2.x
sources, the checks, ``makemigrations --check`` and ``migrate_schemas`` are
run, and each tenant answers a request with its own pre-existing rows.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import django
import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.core.files.base import ContentFile
from django.db import DatabaseError
from django.db.migrations.writer import OperationWriter
from django.template import Context, Engine
from django.test import override_settings

import pg_tenants.core as core
from pg_tenants.core import compat
from pg_tenants.core.compat import checks
from pg_tenants.core.compat.log import TenantContextFilter
from pg_tenants.core.compat.renames import DOTTED_PATHS, RENAMED_SETTINGS, replacement_for
from pg_tenants.core.compat.storage import TenantFileSystemStorage
from pg_tenants.core.compat.upgrade import UpgradeError, UpgradeTenantRows
from pg_tenants.core.context import ActiveSchema, activate, deactivate
from pg_tenants.core.routers import app_labels
from pg_tenants.core.schema import schema_exists
from pg_tenants.core.testing.database import database_url
from sandbox.tooling.venvs import REPO

PAGE = REPO / "docs" / "guides" / "from-2x.md"
PROJECT = REPO / "sandbox" / "legacy2x"
BEFORE = PROJECT / "before_2x"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def fenced(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(PAGE.read_text()) if lang == language]


class StubTenant:
    """What the compatibility helpers read of a tenant: its schema and its domain_url."""

    def __init__(self, schema_name: str, domain_url: str = "") -> None:
        self.schema_name = schema_name
        self.domain_url = domain_url


@pytest.fixture
def active_tenant():
    """Make a stub tenant active, as a request's tenant is; undone after the test."""
    tokens = []

    def make(schema_name: str, domain_url: str = "") -> StubTenant:
        tenant = StubTenant(schema_name, domain_url)
        tokens.append(activate(ActiveSchema.for_schema(schema_name, tenant)))  # type: ignore[arg-type]
        return tenant

    yield make
    for token in reversed(tokens):
        deactivate(token)


# -- the names of tenant_schemas.utils -------------------------------------------------


def test_compat_offers_the_2x_utils_names_3_0_honours():
    assert compat.schema_context is core.schema_context
    assert compat.tenant_context is core.tenant_context
    assert compat.get_tenant_model is core.get_tenant_model
    assert compat.get_domain_model is core.get_domain_model
    assert compat.schema_exists is schema_exists
    assert compat.app_labels is app_labels
    assert compat.get_public_schema_name() == "public"
    with override_settings(PUBLIC_SCHEMA_NAME="shared"):
        assert compat.get_public_schema_name() == "shared"
    assert compat.remove_www("www.acme.example.com") == "acme.example.com"
    assert compat.remove_www("wwwacme.example.com") == "wwwacme.example.com"


def test_replacements_of_2x_paths():
    assert replacement_for("tenant_schemas").path == "pg_tenants.core"
    assert replacement_for("tenant_schemas.routers.TenantSyncRouter").path == "pg_tenants.core.routers.TenantRouter"
    # A name inside a module that moved as a whole moves with it.
    assert replacement_for("tenant_schemas.utils.schema_context").path == "pg_tenants.core.compat.schema_context"
    assert replacement_for("tenant_schemas.models.TenantMixin").path == "pg_tenants.core.compat.models.TenantMixin"
    # The bare module is the app, not a prefix.
    unknown = replacement_for("tenant_schemas.migration_executors.parallel.ParallelExecutor")
    assert unknown.path is None and "Coming from django-pg-tenants 2.x" in unknown.advice()
    for replacement in DOTTED_PATHS.values():
        assert replacement.path is None or replacement.path.startswith("pg_tenants.")


# -- system checks ------------------------------------------------------------------------


def test_a_3_0_project_has_no_2x_leftovers():
    assert checks.check_legacy_dotted_paths() == []
    assert checks.check_legacy_settings() == []
    assert checks.check_removed_storage_settings() == []
    assert checks.check_domain_url_model() == []  # the sandbox's Client is a TenantModel, not a TenantMixin


@pytest.mark.parametrize(
    ("overrides", "where", "replacement"),
    [
        # DATABASE_ROUTERS: overriding it makes Django import the router at once (the moved project's test has it).
        (
            {"MIDDLEWARE": ["tenant_schemas.middleware.SuspiciousTenantMiddleware"]},
            "MIDDLEWARE",
            'TENANT_RESOLVER = "hostname"',
        ),
        (
            {"MIDDLEWARE": ["tenant_schemas.middleware.DefaultTenantMiddleware"]},
            "MIDDLEWARE",
            'TENANT_NOT_FOUND = "public"',
        ),
        (
            # Any setting: a project's own dict of databases, say.
            {"REPLICA_DATABASES": {"replica": {"ENGINE": "tenant_schemas.postgresql_backend"}}},
            "REPLICA_DATABASES['replica']['ENGINE']",
            '"pg_tenants.core.backend"',
        ),
        (
            {
                "TEMPLATES": [
                    {
                        "BACKEND": "django.template.backends.django.DjangoTemplates",
                        "OPTIONS": {"loaders": ["tenant_schemas.template_loaders.FilesystemLoader"]},
                    }
                ]
            },
            "TEMPLATES[0]['OPTIONS']['loaders']",
            "MULTITENANT_TEMPLATE_DIRS",
        ),
        (
            {"SHARED_APPS": ["tenant_schemas", "sandbox.customers"]},
            "SHARED_APPS",
            '"pg_tenants.core", and add "pg_tenants.migrations"',
        ),
        (
            {"DEFAULT_FILE_STORAGE": "tenant_schemas.storage.TenantFileSystemStorage"},
            "DEFAULT_FILE_STORAGE",
            'STORAGES["default"]["BACKEND"] = "pg_tenants.core.compat.storage.TenantFileSystemStorage"',
        ),
    ],
)
def test_e101_names_the_setting_and_the_replacement(overrides, where, replacement):
    with override_settings(**overrides):
        errors = checks.check_legacy_dotted_paths()
        storage_errors = checks.check_removed_storage_settings()
    assert ids(errors) == ["pg_tenants.E101"]
    assert errors[0].msg.startswith(f"{where} names 'tenant_schemas")
    assert replacement in errors[0].hint
    assert storage_errors == []  # a 2.x storage is E101 alone, with the same advice


@pytest.mark.parametrize(
    ("old", "value", "new"),
    [
        ("PG_EXTRA_SEARCH_PATHS", ["extensions"], "TENANT_EXTRA_SEARCH_PATHS"),
        ("ORIGINAL_BACKEND", "django.contrib.gis.db.backends.postgis", "TENANT_BASE_BACKEND"),
    ],
)
def test_e102_a_renamed_setting_whose_value_would_be_lost(settings, old, value, new):
    if hasattr(settings, new):
        delattr(settings, new)
    setattr(settings, old, value)
    errors = checks.check_legacy_settings()
    assert ids(errors) == ["pg_tenants.E102"]
    assert f"{old} is the django-pg-tenants 2.x name of {new}" in errors[0].msg and repr(value) in errors[0].msg
    assert errors[0].hint == f"Rename {old} to {new}."
    assert set(RENAMED_SETTINGS) == {"PG_EXTRA_SEARCH_PATHS", "ORIGINAL_BACKEND"}


@pytest.mark.parametrize(
    ("overrides", "setting", "says"),
    [
        ({"TENANT_LIMIT_SET_CALLS": True}, "TENANT_LIMIT_SET_CALLS", "only when the connection is not on"),
        ({"TENANT_LIMIT_SET_CALLS": False}, "TENANT_LIMIT_SET_CALLS", "Remove TENANT_LIMIT_SET_CALLS."),
        ({"TENANT_PARALLEL_MIGRATION_MAX_PROCESSES": 4}, "TENANT_PARALLEL_MIGRATION_MAX_PROCESSES", "= 4"),
        ({"TENANT_PARALLEL_MIGRATION_CHUNKS": 2}, "TENANT_PARALLEL_MIGRATION_CHUNKS", "one schema at a time"),
        # Renamed and left beside the new name: harmless, but not read.
        (
            {"PG_EXTRA_SEARCH_PATHS": ["extensions"], "TENANT_EXTRA_SEARCH_PATHS": ["extensions"]},
            "PG_EXTRA_SEARCH_PATHS",
            "already says",
        ),
        (
            {"PG_EXTRA_SEARCH_PATHS": ["old"], "TENANT_EXTRA_SEARCH_PATHS": ["extensions"]},
            "PG_EXTRA_SEARCH_PATHS",
            "3.0 reads TENANT_EXTRA_SEARCH_PATHS, which is ['extensions']",
        ),
        # 2.x's default was the psycopg2 alias of the backend 3.0 wraps anyway.
        (
            {"ORIGINAL_BACKEND": "django.db.backends.postgresql_psycopg2"},
            "ORIGINAL_BACKEND",
            "Remove ORIGINAL_BACKEND.",
        ),
    ],
)
def test_w101_a_2x_setting_3_0_ignores(settings, overrides, setting, says):
    if "ORIGINAL_BACKEND" in overrides and hasattr(settings, "TENANT_BASE_BACKEND"):
        delattr(settings, "TENANT_BASE_BACKEND")
    for name, value in overrides.items():
        setattr(settings, name, value)
    warnings = checks.check_legacy_settings()
    assert ids(warnings) == ["pg_tenants.W101"]
    assert warnings[0].msg.startswith(f"{setting} is a django-pg-tenants 2.x setting, ignored by 3.0")
    assert says in warnings[0].msg + " " + warnings[0].hint


@pytest.mark.parametrize(
    ("setting", "alias"), [("DEFAULT_FILE_STORAGE", "default"), ("STATICFILES_STORAGE", "staticfiles")]
)
def test_e104_storage_settings_django_no_longer_reads(setting, alias):
    backend = "pg_tenants.core.compat.storage.TenantFileSystemStorage"  # what the codemod makes of 2.x's
    with override_settings(**{setting: backend}):
        errors = checks.check_removed_storage_settings()
        assert checks.check_legacy_dotted_paths() == []
    assert ids(errors) == ["pg_tenants.E104"]
    assert f"Django 5.1 and later no longer read {setting}" in errors[0].msg
    assert errors[0].hint == f'Set STORAGES["{alias}"]["BACKEND"] = "{backend}" and remove {setting}.'


# -- storage, template loaders, log filter --------------------------------------------------


def test_storage_keeps_2x_layout_under_the_tenants_domain_url(tmp_path, active_tenant):
    storage = TenantFileSystemStorage(location=tmp_path)
    assert storage.path("logo.png") == str(tmp_path / "logo.png")  # no tenant row at hand: the location
    active_tenant("acme", "acme.example.com")
    name = storage.save("logo.png", ContentFile(b"acme"))
    assert (tmp_path / "acme.example.com" / name).read_bytes() == b"acme"
    assert name == "logo.png"  # the name stored in the database leaves the folder out, as 2.x's did
    with storage.open(name) as stored:
        assert stored.read() == b"acme"
    with pytest.raises(SuspiciousOperation):
        storage.path("../globex.example.com/logo.png")


def test_template_loaders_search_the_tenants_folders_first_and_cache_per_schema(tmp_path, active_tenant):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "banner.txt").write_text("shared banner")
    own = tmp_path / "tenants" / "acme.example.com"
    own.mkdir(parents=True)
    (own / "banner.txt").write_text("acme banner")
    engine = Engine(
        dirs=[str(tmp_path / "shared")],
        loaders=[
            (
                "pg_tenants.core.compat.template_loaders.CachedLoader",
                ["pg_tenants.core.compat.template_loaders.FilesystemLoader"],
            )
        ],
    )
    with override_settings(MULTITENANT_TEMPLATE_DIRS=[str(tmp_path / "tenants" / "%s")]):
        assert engine.get_template("banner.txt").render(Context()) == "shared banner"
        active_tenant("acme", "acme.example.com")
        assert engine.get_template("banner.txt").render(Context()) == "acme banner"
        active_tenant("globex", "globex.example.com")
        assert engine.get_template("banner.txt").render(Context()) == "shared banner"
    fresh = Engine(dirs=[], loaders=["pg_tenants.core.compat.template_loaders.FilesystemLoader"])
    with pytest.raises(ImproperlyConfigured, match="MULTITENANT_TEMPLATE_DIRS"):
        fresh.get_template("banner.txt")


def test_log_filter_adds_schema_name_and_domain_url(active_tenant):
    log_filter = TenantContextFilter()
    record = logging.LogRecord("shop", logging.INFO, __file__, 1, "products", (), None)
    assert log_filter.filter(record) and (record.schema_name, record.domain_url) == ("public", "")
    active_tenant("acme", "acme.example.com")
    log_filter.filter(record)
    assert (record.schema_name, record.domain_url) == ("acme", "acme.example.com")


def test_log_filter_never_fails_nor_recurses_reading_the_domain(active_tenant):
    log_filter = TenantContextFilter()
    inner = logging.LogRecord("django.db.backends", logging.DEBUG, __file__, 1, "SELECT ...", (), None)

    class Reading:
        """Reading its domain logs a query, as reading a Domain row does."""

        @property
        def domain_url(self) -> str:
            log_filter.filter(inner)
            return "acme.example.com"

    class Broken:
        @property
        def domain_url(self) -> str:
            raise DatabaseError("current transaction is aborted")

    record = logging.LogRecord("shop", logging.INFO, __file__, 1, "products", (), None)
    token = activate(ActiveSchema.for_schema("acme", Reading()))  # type: ignore[arg-type]
    try:
        log_filter.filter(record)
    finally:
        deactivate(token)
    assert record.domain_url == "acme.example.com" and inner.domain_url == ""
    token = activate(ActiveSchema.for_schema("acme", Broken()))  # type: ignore[arg-type]
    try:
        assert log_filter.filter(record) and record.domain_url == ""
    finally:
        deactivate(token)


# -- the upgrade operation's rows -----------------------------------------------------------


class FakeRows:
    """Enough of a historical model's manager for UpgradeTenantRows."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def using(self, alias: str) -> FakeRows:
        return self

    def order_by(self, *fields: str) -> list[Any]:
        return sorted(self.rows, key=lambda row: row.pk)

    def create(self, **fields: Any) -> None:
        self.rows.append(SimpleNamespace(**fields))


def run_upgrade(tenants: list[dict[str, Any]], **options: Any) -> tuple[list[Any], list[Any]]:
    saved: list[Any] = []
    rows = []
    for pk, fields in enumerate(tenants, start=1):
        row = SimpleNamespace(pk=pk, slug="", **fields)
        row.save = lambda update_fields, row=row: saved.append((row.pk, row.schema_name, row.slug))
        rows.append(row)
    models = {"Client": FakeRows(rows), "Domain": FakeRows([])}
    apps = SimpleNamespace(get_model=lambda app_label, name: SimpleNamespace(_default_manager=models[name]))
    editor = SimpleNamespace(connection=SimpleNamespace(alias="default"))
    UpgradeTenantRows("customers", **options).code(apps, editor)
    domains = [(d.tenant_id, d.domain, d.is_primary) for d in models["Domain"].rows]
    return saved, domains


def test_upgrade_lowercases_schema_names_fills_slugs_and_moves_domain_urls():
    saved, domains = run_upgrade(
        [
            {"schema_name": "public", "domain_url": "example.com"},
            {"schema_name": "Acme_Corp", "domain_url": "ACME.example.com:8000"},
            {"schema_name": "globex", "domain_url": "www.globex.example.com"},
            {"schema_name": "initech", "domain_url": ""},
        ],
        www_aliases=True,
    )
    assert saved == [
        (1, "public", "public"),
        (2, "acme_corp", "acme-corp"),
        (3, "globex", "globex"),
        (4, "initech", "initech"),
    ]
    assert domains == [
        (1, "example.com", True),
        (2, "acme.example.com", True),
        (3, "www.globex.example.com", True),
        (1, "www.example.com", False),
        (2, "www.acme.example.com", False),
    ]


def test_upgrade_is_written_out_as_itself_with_its_arguments():
    operation = UpgradeTenantRows("customers", "Client", "Domain", www_aliases=True)
    written, imports = OperationWriter(operation, indentation=0).serialize()
    assert imports == {"import pg_tenants.core.compat.upgrade"}
    assert written.replace("\n", "").replace("    ", "") == (
        "pg_tenants.core.compat.upgrade.UpgradeTenantRows("
        "app_label='customers',tenant_model='Client',domain_model='Domain',www_aliases=True,),"
    )
    assert operation.reversible and not operation.elidable
    assert operation.describe() == "Move customers.Client's 2.x rows: domain_url to Domain rows"


def test_upgrade_never_gives_a_tenants_own_host_to_another_as_www_alias():
    _, domains = run_upgrade(
        [{"schema_name": "acme", "domain_url": "acme.com"}, {"schema_name": "shop", "domain_url": "www.acme.com"}],
        www_aliases=True,
    )
    assert domains == [(1, "acme.com", True), (2, "www.acme.com", True)]


@pytest.mark.parametrize(
    ("tenants", "says"),
    [
        ([{"schema_name": "pg_acme", "domain_url": "a.com"}], "Tenant 1: Schema name 'pg_acme' is reserved"),
        (
            [{"schema_name": "acme_", "domain_url": "a.com"}, {"schema_name": "acme", "domain_url": "b.com"}],
            "slug 'acme' is taken by tenant 'acme_'",
        ),
        ([{"schema_name": "acme", "domain_url": "acme example.com"}], "domain_url 'acme example.com' cannot be"),
    ],
)
def test_upgrade_stops_on_a_row_3_0_cannot_take(tenants, says):
    with pytest.raises(UpgradeError, match=re.escape(says)):
        run_upgrade(tenants)


# -- the page carries what the project runs ---------------------------------------------------


def test_the_page_covers_every_2x_path_and_check_id():
    page = PAGE.read_text()
    reference = (REPO / "docs" / "reference" / "checks.md").read_text()
    for path in DOTTED_PATHS:
        assert f"`{path}`" in page, path
    check_ids = set(re.findall(r"pg_tenants\.[EW]1\d\d", Path(checks.__file__).read_text()))
    assert check_ids == {"pg_tenants.E101", "pg_tenants.E102", "pg_tenants.E103", "pg_tenants.E104", "pg_tenants.W101"}
    for check_id in check_ids:
        assert f"`{check_id}`" in page and f"`{check_id}`" in reference, check_id


def test_the_pages_migration_and_models_are_the_projects():
    blocks = {body.partition("\n")[0]: body.partition("\n")[2] for body in fenced("python")}
    migration = PROJECT / "customers" / "migrations" / "0002_django_pg_tenants_3.py"
    assert blocks["# customers/migrations/0002_django_pg_tenants_3.py"] == migration.read_text()
    assert blocks["# customers/models.py"] == (PROJECT / "customers" / "models.py").read_text()


# -- the 2.x project, moved ------------------------------------------------------------------


def psql(url: str, *args: str) -> str:
    result = subprocess.run(
        ["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class MovedProject:
    """sandbox/legacy2x run by ``python -m django``, as its ``manage.py`` would, on a database of its own."""

    def __init__(self, url: str, media: Path) -> None:
        self.url = url
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "DJANGO_SETTINGS_MODULE": "sandbox.legacy2x.settings",
            "LEGACY2X_DATABASE_URL": url,
            "LEGACY2X_MEDIA_ROOT": str(media),
        }

    def run(self, *args: str, settings: str = "sandbox.legacy2x.settings", ok: bool = True) -> Any:
        result = subprocess.run(
            [sys.executable, *args],
            cwd=REPO,
            env={**self.env, "DJANGO_SETTINGS_MODULE": settings},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if ok:
            assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def manage(self, *args: str, **kwargs: Any) -> Any:
        return self.run("-m", "django", *args, **kwargs)


@pytest.fixture
def moved(tmp_path):
    """A database loaded with database_2x.sql (dropped afterwards), and the project pointed at it."""
    server = urlsplit(database_url())
    name = f"pg_tenants_legacy2x_{os.getpid()}"
    maintenance = urlunsplit(server)
    url = urlunsplit(server._replace(path=f"/{name}"))
    psql(maintenance, "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', "-c", f'CREATE DATABASE "{name}"')
    try:
        psql(url, "-f", str(PROJECT / "database_2x.sql"))
        # The files 2.x's TenantFileSystemStorage left, one folder per domain_url.
        for host, text in (("acme.example.com", "Acme logo"), ("globex.example.com", "Globex logo")):
            (tmp_path / "media" / host).mkdir(parents=True)
            (tmp_path / "media" / host / "logo.txt").write_text(text)
        yield MovedProject(url, tmp_path / "media")
    finally:
        psql(maintenance, "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_codemod_rewrites_the_2x_sources_into_the_moved_projects_lines(tmp_path):
    (codemod,) = [body for body in fenced("bash") if "sed -i -E" in body]
    copy = tmp_path / "project"
    shutil.copytree(BEFORE, copy)
    result = subprocess.run(["bash", "-c", codemod], cwd=copy, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    handled_by_hand = []
    for before in sorted(BEFORE.rglob("*.py")):
        relative = before.relative_to(BEFORE)
        rewritten = (copy / relative).read_text()
        assert "tenant_schemas" not in rewritten, relative
        after = (PROJECT / relative).read_text().splitlines()
        changed = set(rewritten.splitlines()) - set(before.read_text().splitlines())
        assert changed, f"{relative}: nothing for the codemod to do"
        handled_by_hand += [f"{relative}: {line}" for line in sorted(changed) if line not in after]
    # The one rewritten line the guide then moves by hand: Django 5.1+ reads STORAGES (check E104).
    assert handled_by_hand == [
        'settings.py: DEFAULT_FILE_STORAGE = "pg_tenants.core.compat.storage.TenantFileSystemStorage"'
    ]


def test_checks_name_what_a_partial_move_leaves_of_2x(moved):
    expected_router = [("pg_tenants.E003", "TenantRouter"), ("pg_tenants.E101", "DATABASE_ROUTERS")]
    leftovers = "sandbox.legacy2x.settings_leftovers"
    if django.VERSION >= (6, 1):
        # Django 6.1's model checks import DATABASE_ROUTERS before any other check runs.
        result = moved.manage("check", settings=leftovers, ok=False)
        assert "No module named 'tenant_schemas'" in result.stderr, result.stderr
        leftovers, expected_router = "sandbox.legacy2x.settings_leftovers_routed", []
    result = moved.manage("check", settings=leftovers, ok=False)
    output = result.stderr
    assert result.returncode == 1, output
    found = re.findall(r"\((pg_tenants\w*\.[EW]\d{3})\) (\S+)", output)
    assert sorted(found) == sorted(
        [
            *expected_router,
            ("pg_tenants.E004", "TenantMiddleware"),
            ("pg_tenants.E101", "DEFAULT_FILE_STORAGE"),
            ("pg_tenants.E101", "MIDDLEWARE"),
            ("pg_tenants.E101", "TEMPLATES[0]['OPTIONS']['loaders'][0]"),
            ("pg_tenants.E101", "TEMPLATES[0]['OPTIONS']['loaders'][0][1]"),
            ("pg_tenants.E102", "ORIGINAL_BACKEND"),
            ("pg_tenants.E102", "PG_EXTRA_SEARCH_PATHS"),
            ("pg_tenants.E103", "TENANT_MODEL"),
            ("pg_tenants.W101", "TENANT_LIMIT_SET_CALLS"),
            ("pg_tenants.W101", "TENANT_PARALLEL_MIGRATION_MAX_PROCESSES"),
            ("pg_tenants_resolvers.E010", "TENANT_RESOLVER"),
        ]
    )
    for replacement in (
        *(['Replace it with "pg_tenants.core.routers.TenantRouter"'] if expected_router else []),
        'TENANT_NOT_FOUND = "public"',
        'Set STORAGES["default"]["BACKEND"] = "pg_tenants.core.compat.storage.TenantFileSystemStorage"',
        "Rename PG_EXTRA_SEARCH_PATHS to TENANT_EXTRA_SEARCH_PATHS.",
        'TENANT_DOMAIN_MODEL = "customers.Domain"',
        "Set TENANT_MIGRATION_JOBS = 4",
    ):
        assert replacement in output, replacement


def test_the_2x_project_moved_as_the_guide_says_serves_each_tenant_its_own_rows(moved):
    # The checks: the one 2.x setting left in place is accepted, with its warning.
    check = moved.manage("check")
    assert re.findall(r"\((pg_tenants\w*\.[EW]\d{3})\)", check.stderr) == ["pg_tenants.W101"]
    assert "TENANT_LIMIT_SET_CALLS" in check.stderr
    # The guide's migration is all makemigrations would want.
    assert "No changes detected" in moved.manage("makemigrations", "--check", "--dry-run").stdout

    first = moved.manage("migrate_schemas", "--format", "plain").stdout
    assert "public: 1 schema(s) to migrate, 0 up to date." in first
    assert "public: applied 5 migration(s)" in first  # customers 0002, the migrations package's four
    assert "tenants: 1 schema(s) to migrate, 2 up to date." in first  # the template; acme and globex as they were
    assert "_pg_tenants_template: applied" in first and "0 failed" in first
    assert "0 migrated" in moved.manage("migrate_schemas", "--format", "plain").stdout

    url = moved.url
    assert psql(url, "-c", "SELECT schema_name, slug FROM customers_client ORDER BY id") == (
        "public|public\nacme|acme\nglobex|globex"
    )
    assert psql(url, "-c", "SELECT count(*) FROM information_schema.columns WHERE column_name = 'domain_url'") == "0"
    assert psql(url, "-c", "SELECT string_agg(name, ',' ORDER BY id) FROM acme.shop_product") == "Anvil,Rocket skates"

    probe = moved.run("-m", "sandbox.legacy2x.probe")
    found = json.loads(probe.stdout)
    requests = found["before"]
    acme, globex = requests["acme.example.com"]["body"], requests["globex.example.com"]["body"]
    assert acme == {
        "schema_name": "acme",
        "domain_url": "acme.example.com",
        "public": False,
        "products": ["Anvil", "Rocket skates"],  # rows 2.x left in the acme schema
        "banner": "Acme's own banner",  # MULTITENANT_TEMPLATE_DIRS
        "logo": "Acme logo",  # MEDIA_ROOT/acme.example.com/
        "shout": "ACME!",  # a function in TENANT_EXTRA_SEARCH_PATHS
    }
    assert globex["products"] == ["Doomsday device"] and globex["schema_name"] == "globex"
    assert (globex["banner"], globex["logo"]) == ("Welcome to our shop", "Globex logo")
    assert requests["www.acme.example.com"]["body"] == acme  # 2.x served www. too
    assert requests["example.com"]["body"] == {"site": "public", "domain_url": "example.com"}
    assert requests["initech.example.com"]["status"] == 404
    assert found["counts"] == {"acme": 2, "globex": 1}
    assert found["globex_names"] == ["Doomsday device"]
    assert found["domain_urls"] == {"public": "example.com", "acme": "acme.example.com", "globex": "globex.example.com"}
    assert found["lookups"] == {
        "get": "acme",
        "endswith": ["acme", "globex"],
        "exclude": ["globex", "public"],
        "alias": 0,
        "get_or_create": ["acme", False],
    }
    # A tenant created the 2.x way, then moved to another domain.
    assert found["created"]["status"] == 200 and found["created"]["body"]["products"] == []
    renamed = found["renamed"]
    assert renamed["old"] == 404 and renamed["new"]["body"]["domain_url"] == "initrode.example.com"
    assert renamed["reloaded"] == "initrode.example.com" and renamed["domains"] == [["initrode.example.com", True]]
    # LOGGING's 2.x filter, through the codemod.
    assert "[acme:acme.example.com] products of Acme" in probe.stderr
    assert "[globex:globex.example.com] products of Globex" in probe.stderr

    # The migration goes back: domain_url again, from each tenant's primary domain; and forward again.
    moved.manage("migrate_schemas", "customers", "0001")
    assert psql(url, "-c", "SELECT schema_name, domain_url FROM customers_client ORDER BY id") == (
        "public|example.com\nacme|acme.example.com\nglobex|globex.example.com\ninitech|initrode.example.com"
    )
    moved.manage("migrate_schemas")
    assert psql(url, "-c", "SELECT count(*) FROM customers_domain WHERE is_primary") == "4"
