"""Tenant file storages: each tenant's files in its own folder, out of every other tenant's reach."""

from __future__ import annotations

import posixpath
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings

from pg_tenants.core import public_context, schema_context, tenant_context
from pg_tenants.core.storage import TenantFileSystemStorage, TenantStorageMixin, follows_active_tenant
from pg_tenants.core.testing import TenantClient
from pg_tenants.core.validation import InvalidSchemaName

TENANT_STORAGE = "pg_tenants.core.storage.TenantFileSystemStorage"


def read(storage: Storage, name: str) -> bytes:
    with storage.open(name) as f:
        return f.read()


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_URL = "/media/"
    return tmp_path / "media"


def test_files_land_in_the_tenants_folder_and_stay_out_of_others_reach(acme_globex, media):
    acme, globex = acme_globex
    storage = TenantFileSystemStorage()
    with tenant_context(acme):
        name = storage.save("reports/q1.txt", ContentFile(b"acme's numbers"))
        assert name == "reports/q1.txt"  # kept relative to the tenant's folder
        assert storage.url(name) == "/media/acme/reports/q1.txt"
        assert storage.exists(name)
    assert (media / "acme" / "reports" / "q1.txt").read_bytes() == b"acme's numbers"

    with tenant_context(globex):
        assert not storage.exists("reports/q1.txt")
        with pytest.raises(FileNotFoundError):
            storage.open("reports/q1.txt")
        assert storage.url("reports/q1.txt") == "/media/globex/reports/q1.txt"
        # Nothing of acme's is in the way: globex gets the same name for its own file.
        assert storage.save("reports/q1.txt", ContentFile(b"globex's numbers")) == "reports/q1.txt"
        assert read(storage, "reports/q1.txt") == b"globex's numbers"
    with tenant_context(acme):
        assert read(storage, "reports/q1.txt") == b"acme's numbers"


def test_public_has_its_own_folder_and_cannot_list_tenants(acme_globex, media):
    acme, _ = acme_globex
    storage = TenantFileSystemStorage()
    with tenant_context(acme):
        storage.save("a.txt", ContentFile(b"acme"))
    with public_context():
        storage.save("b.txt", ContentFile(b"public"))
        assert storage.url("b.txt") == "/media/public/b.txt"
        assert storage.listdir("") == ([], ["b.txt"])
        assert not storage.exists("acme/a.txt")
    storage.save("c.txt", ContentFile(b"outside any tenant"))
    assert sorted(p.name for p in media.iterdir()) == ["acme", "public"]
    assert (media / "public" / "c.txt").exists()


def test_schema_context_is_enough(media):
    storage = TenantFileSystemStorage()
    with schema_context("initech"):
        storage.save("x.txt", ContentFile(b"x"))
        assert storage.path("x.txt") == str(media / "initech" / "x.txt")


@pytest.mark.parametrize("name", ["../globex/secret.txt", "a/../../globex/secret.txt", "/etc/passwd"])
def test_names_cannot_leave_the_tenants_folder(acme_globex, media, name):
    acme, globex = acme_globex
    storage = TenantFileSystemStorage()
    with tenant_context(globex):
        storage.save("secret.txt", ContentFile(b"globex only"))
    with tenant_context(acme):
        for attempt in (
            lambda: storage.save(name, ContentFile(b"overwrite")),
            lambda: storage.open(name),
            lambda: storage.exists(name),
            lambda: storage.url(name),
            lambda: storage.delete(name),
        ):
            with pytest.raises(SuspiciousFileOperation):
                attempt()
    assert (media / "globex" / "secret.txt").read_bytes() == b"globex only"


def test_a_pinned_storage_ignores_the_active_tenant(acme_globex, media):
    acme, _ = acme_globex
    shared = TenantFileSystemStorage(schema_name="public")
    with tenant_context(acme):
        name = shared.save("logo.png", ContentFile(b"png"))
        assert shared.url(name) == "/media/public/logo.png"
    with public_context():
        assert TenantFileSystemStorage().exists("logo.png")
    assert not follows_active_tenant(shared)
    assert follows_active_tenant(TenantFileSystemStorage())
    with pytest.raises(InvalidSchemaName):
        TenantFileSystemStorage(schema_name="../etc")


def test_location_and_base_url_options_name_the_folder_of_the_folders(acme_globex, tmp_path):
    acme, _ = acme_globex
    storage = TenantFileSystemStorage(location=tmp_path / "uploads", base_url="https://cdn.example.com/u")
    with tenant_context(acme):
        name = storage.save("a.txt", ContentFile(b"a"))
        assert storage.url(name) == "https://cdn.example.com/u/acme/a.txt"
    assert (tmp_path / "uploads" / "acme" / "a.txt").exists()


def test_media_settings_are_read_live(acme_globex, tmp_path):
    acme, _ = acme_globex
    storage = TenantFileSystemStorage()
    with tenant_context(acme), override_settings(MEDIA_ROOT=str(tmp_path / "one"), MEDIA_URL="/one/"):
        assert storage.path("f") == str(tmp_path / "one" / "acme" / "f")
        assert storage.url("f") == "/one/acme/f"
    with tenant_context(acme), override_settings(MEDIA_ROOT=str(tmp_path / "two"), MEDIA_URL="/two/"):
        assert storage.path("f") == str(tmp_path / "two" / "acme" / "f")
        assert storage.url("f") == "/two/acme/f"


def test_deconstructs_for_migrations():
    path, args, kwargs = TenantFileSystemStorage(schema_name="public").deconstruct()
    assert path == TENANT_STORAGE
    assert kwargs == {"schema_name": "public"}


class BucketStorage(Storage):
    """Stores by full key, location included, and takes its options the way django-storages' backends do."""

    objects: dict[str, bytes]

    def __init__(self, **options: Any) -> None:
        defaults = {"location": "media", "custom_domain": "files.example.com"}
        for option, value in defaults.items():
            if not hasattr(self, option):
                setattr(self, option, value)
        for option, value in options.items():
            setattr(self, option, value)
        self.objects = {}

    def _key(self, name: str) -> str:
        # As django-storages' keys are made: joined under the location, never above it.
        key = posixpath.normpath(posixpath.join(self.location, name))
        if not key.startswith(self.location.rstrip("/") + "/"):
            raise SuspiciousFileOperation(f"{name!r} is outside {self.location!r}")
        return key

    def _save(self, name: str, content: Any) -> str:
        self.objects[self._key(name)] = content.read()
        return name

    def _open(self, name: str, mode: str = "rb") -> Any:
        try:
            return ContentFile(self.objects[self._key(name)], name=name)
        except KeyError:
            raise FileNotFoundError(name) from None

    def exists(self, name: str) -> bool:
        return self._key(name) in self.objects

    def url(self, name: str | None) -> str:
        return f"https://{self.custom_domain}/{self._key(name or '')}"


class TenantBucketStorage(TenantStorageMixin, BucketStorage):
    pass


def test_the_mixin_makes_a_bucket_storage_per_tenant(acme_globex):
    acme, globex = acme_globex
    storage = TenantBucketStorage(location="uploads")
    with tenant_context(acme):
        storage.save("a.txt", ContentFile(b"acme"))
        assert storage.url("a.txt") == "https://files.example.com/uploads/acme/a.txt"
    with tenant_context(globex):
        assert not storage.exists("a.txt")
        assert storage.url("a.txt") == "https://files.example.com/uploads/globex/a.txt"
        with pytest.raises(SuspiciousFileOperation):
            storage.url("../acme/a.txt")
    assert list(storage.objects) == ["uploads/acme/a.txt"]
    assert TenantBucketStorage().location == "media/public"  # the storage's own default, then the folder


@pytest.fixture
def attachments(acme_globex, media, db):
    """sandbox.uploads installed in TENANT_APPS on the tenant storage; its table made in both tenant schemas."""
    from django.conf import settings

    storages = {"default": {"BACKEND": TENANT_STORAGE}, "staticfiles": settings.STORAGES["staticfiles"]}
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "sandbox.uploads"],
        TENANT_APPS=[*settings.TENANT_APPS, "sandbox.uploads"],
        STORAGES=storages,
        ROOT_URLCONF="sandbox.urls_integrations",
    ):
        from sandbox.uploads.models import Attachment

        for tenant in acme_globex:
            with tenant_context(tenant), connection.schema_editor() as editor:
                editor.create_model(Attachment)
        yield acme_globex


def test_uploads_through_a_file_field_are_per_tenant(attachments, media):
    acme, globex = attachments
    acme_client, globex_client = TenantClient(acme), TenantClient(globex)
    sent = acme_client.post("/upload/", {"file": SimpleUploadedFile("invoice.txt", b"acme's invoice")}).json()
    assert sent == {"name": "attachments/invoice.txt", "url": "/media/acme/attachments/invoice.txt"}
    assert (media / "acme" / "attachments" / "invoice.txt").read_bytes() == b"acme's invoice"

    theirs = globex_client.post("/upload/", {"file": SimpleUploadedFile("invoice.txt", b"globex's")}).json()
    assert theirs == {"name": "attachments/invoice.txt", "url": "/media/globex/attachments/invoice.txt"}

    from sandbox.uploads.models import Attachment

    for tenant, client, content in ((acme, acme_client, b"acme's invoice"), (globex, globex_client, b"globex's")):
        with tenant_context(tenant):
            attachment = Attachment.objects.get()
        assert attachment.file.name == "attachments/invoice.txt"  # one name, two files
        assert client.get(f"/download/{attachment.pk}/").content == content
    assert isinstance(default_storage._wrapped, TenantFileSystemStorage)
