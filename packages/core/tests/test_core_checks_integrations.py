"""System checks of the template loaders and file storages: each id, triggered by what it names."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.checks import Tags, run_checks
from django.test import override_settings

TENANT_LOADER = "pg_tenants.core.template_loaders.FilesystemLoader"
TENANT_CACHED = "pg_tenants.core.template_loaders.CachedLoader"
DJANGO_CACHED = "django.template.loaders.cached.Loader"
DJANGO_FILESYSTEM = "django.template.loaders.filesystem.Loader"
APP_DIRECTORIES = "django.template.loaders.app_directories.Loader"
TENANT_STORAGE = "pg_tenants.core.storage.TenantFileSystemStorage"
DJANGO_FILESYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
DIRS = ["/srv/mysaas/tenant_templates/{schema}"]


def found(*tags: str) -> dict[str, str]:
    """The pg_tenants check messages of ``tags``, by id."""
    return {m.id: m.msg for m in run_checks(tags=list(tags)) if m.id and m.id.startswith("pg_tenants.")}


def engine(*loaders: object) -> list[dict[str, object]]:
    return [{"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {"loaders": list(loaders)}}]


def test_recommended_setup_is_clean():
    with override_settings(
        TENANT_TEMPLATE_DIRS=DIRS,
        TEMPLATES=engine((TENANT_CACHED, [TENANT_LOADER, DJANGO_FILESYSTEM, APP_DIRECTORIES])),
        STORAGES={**settings.STORAGES, "default": {"BACKEND": TENANT_STORAGE}},
    ):
        assert found(Tags.templates, Tags.models, Tags.staticfiles) == {}


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("/srv/mysaas/tenant_templates", "has no placeholder"),
        ("/srv/mysaas/{tenant}/templates", "has {tenant}, which"),
        ("/srv/mysaas/{schema}/{domain}", "has {domain}, which"),
    ],
)
def test_e020_a_folder_that_is_not_per_tenant(entry, words):
    with override_settings(TENANT_TEMPLATE_DIRS=[entry], TEMPLATES=engine(TENANT_LOADER)):
        message = found(Tags.templates)["pg_tenants.E020"]
    assert words in message
    assert "the same folder for every tenant" in message


def test_e020_accepts_paths_and_both_placeholders(tmp_path):
    entries = [tmp_path / "{schema}", f"{tmp_path}/by-slug/{{slug}}"]
    with override_settings(TENANT_TEMPLATE_DIRS=entries, TEMPLATES=engine(TENANT_LOADER)):
        assert found(Tags.templates) == {}


def test_e018_names_both_entry_types():
    with override_settings(TENANT_TEMPLATE_DIRS="/srv/{schema}"):
        assert "a list of strings or PurePaths" in {m.id: m.msg for m in run_checks()}["pg_tenants.E018"]


@pytest.mark.parametrize(
    "loaders",
    [
        [(DJANGO_CACHED, [TENANT_LOADER, APP_DIRECTORIES])],
        [(DJANGO_CACHED, [(TENANT_CACHED, [TENANT_LOADER])])],  # the outer cache decides first
    ],
)
def test_e021_djangos_cached_loader_around_the_tenant_loader(loaders):
    with override_settings(TENANT_TEMPLATE_DIRS=DIRS, TEMPLATES=engine(*loaders)):
        message = found(Tags.templates)["pg_tenants.E021"]
    assert "django.template.loaders.cached.Loader caches" in message
    assert "serves its own to every tenant" in message


def test_e021_not_for_djangos_cached_loader_around_other_loaders():
    loaders = [TENANT_LOADER, (DJANGO_CACHED, [DJANGO_FILESYSTEM, APP_DIRECTORIES])]
    with override_settings(TENANT_TEMPLATE_DIRS=DIRS, TEMPLATES=engine(*loaders)):
        assert found(Tags.templates) == {}


def test_w005_folders_set_but_no_engine_uses_them():
    # The sandbox's TEMPLATES: APP_DIRS, no loaders listed.
    with override_settings(TENANT_TEMPLATE_DIRS=DIRS):
        assert "no tenant's templates are ever used" in found(Tags.templates)["pg_tenants.W005"]


@pytest.mark.parametrize(
    "loaders",
    [
        [DJANGO_FILESYSTEM, TENANT_LOADER],
        [(TENANT_CACHED, [APP_DIRECTORIES, TENANT_LOADER])],
        [(TENANT_CACHED, [DJANGO_FILESYSTEM]), (TENANT_CACHED, [TENANT_LOADER])],
    ],
)
def test_w006_a_shared_loader_before_the_tenant_loader(loaders):
    with override_settings(TENANT_TEMPLATE_DIRS=DIRS, TEMPLATES=engine(*loaders)):
        message = found(Tags.templates)["pg_tenants.W006"]
    assert "hides every tenant's own file" in message


@pytest.fixture
def uploads_shared():
    """sandbox.uploads as a shared-only app, on the tenant storage by default."""
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "sandbox.uploads"],
        SHARED_APPS=[*settings.SHARED_APPS, "sandbox.uploads"],
        STORAGES={**settings.STORAGES, "default": {"BACKEND": TENANT_STORAGE}},
    ):
        yield


def test_w004_a_shared_models_files_follow_the_active_tenant(uploads_shared):
    messages = [m for m in run_checks(tags=[Tags.models]) if m.id == "pg_tenants.W004"]
    assert [m.msg.split(" ")[0] for m in messages] == ["uploads.Attachment.file"]  # Brand.logo is pinned to public
    assert "looked for in another's folder" in messages[0].msg


def test_w004_not_for_tenant_apps_or_plain_storages(uploads_shared):
    with override_settings(TENANT_APPS=[*settings.TENANT_APPS, "sandbox.uploads"]):
        assert "pg_tenants.W004" not in found(Tags.models)
    with override_settings(STORAGES=settings.STORAGES | {"default": {"BACKEND": DJANGO_FILESYSTEM_STORAGE}}):
        assert "pg_tenants.W004" not in found(Tags.models)


def test_e022_static_files_on_a_tenant_storage():
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": TENANT_STORAGE}}):
        assert "collectstatic runs in public" in found(Tags.staticfiles)["pg_tenants.E022"]
    pinned = {"BACKEND": TENANT_STORAGE, "OPTIONS": {"schema_name": "public"}}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": pinned}):
        assert found(Tags.staticfiles) == {}
