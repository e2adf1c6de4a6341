"""File storages that keep each tenant's files in a folder of its own, named after its schema.

A file saved in tenant ``acme`` goes to ``<location>/acme/<name>`` and is
served from ``<base_url>/acme/<name>``; the name kept in the database is
``<name>``, relative to the tenant's folder, so a tenant can only ever reach
its own files (``globex`` asking for that name looks in ``globex/``, and a
name that would climb out of the folder is refused). In public the folder is
``PUBLIC_SCHEMA_NAME``, which no tenant schema can be named:

    STORAGES = {
        "default": {"BACKEND": "pg_tenants.core.storage.TenantFileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

:class:`TenantStorageMixin` does the same for any storage that keeps its files
under a ``location`` (django-storages' S3, Google Cloud and Azure storages):

    class TenantS3Storage(TenantStorageMixin, S3Storage):
        pass

Files of models that live only in public (the tenant model's logo) must not
follow the active tenant: give their fields a storage pinned to public,
``TenantFileSystemStorage(schema_name="public")`` (check ``pg_tenants.W004``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage

from .context import get_current_schema_name
from .validation import validate_schema_name

_UNSET: Any = object()


def _check_name(name: str) -> None:
    # The storage's own joins refuse escapes from a path; this covers URLs too,
    # which are joined without a check (urljoin("/media/acme/", "../globex/x")).
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts:
        raise SuspiciousFileOperation(f"File name {name!r} leaves the tenant's folder.")


class TenantStorageMixin:
    """Keeps a storage's files in a folder per schema, under its ``location`` and ``base_url``.

    Mix it in before the storage class. ``schema_name`` pins the storage to
    one schema's folder whatever tenant is active (``"public"`` for shared
    models' files). Override :meth:`folder` to name folders otherwise.
    """

    def __init__(self, *args: Any, schema_name: str | None = None, **kwargs: Any) -> None:
        if schema_name is not None:
            validate_schema_name(schema_name, allow_public=True)
        #: The schema this storage is pinned to; ``None``: the active one.
        self.schema_name = schema_name
        super().__init__(*args, **kwargs)

    def folder(self) -> str:
        """The folder of the active tenant's files: the active schema's name, or the pinned schema's."""
        return self.schema_name or get_current_schema_name()

    def _tenant_folder(self) -> str:
        folder = self.folder()
        if not folder or folder in {".", ".."} or "/" in folder or "\\" in folder:
            raise SuspiciousFileOperation(f"Tenant folder {folder!r} is not a single folder name.")
        return folder

    # The storage reads `location` and `base_url` where it would read its own:
    # the value it was configured with (set in its __init__, or computed by
    # FileSystemStorage from MEDIA_ROOT / MEDIA_URL), with the folder added.

    @property
    def location(self) -> str:
        """The folder of the active tenant's files: the configured location, then :meth:`folder`."""
        root = self.__dict__.get("_tenant_root_location")
        if root is None:
            root = super().location  # type: ignore[misc]
        folder = self._tenant_folder()
        return f"{root.rstrip('/')}/{folder}" if root else folder

    @location.setter
    def location(self, value: str) -> None:
        self.__dict__["_tenant_root_location"] = value

    @property
    def base_url(self) -> Any:  # str, or None when the storage serves no URLs
        """Where the active tenant's files are served: the configured base URL, then :meth:`folder` and ``/``."""
        root = self.__dict__.get("_tenant_root_base_url", _UNSET)
        if root is _UNSET:
            root = super().base_url  # type: ignore[misc]
        if root is None:
            return None
        folder = self._tenant_folder()
        return f"{root}{folder}/" if not root or root.endswith("/") else f"{root}/{folder}/"

    @base_url.setter
    def base_url(self, value: str | None) -> None:
        self.__dict__["_tenant_root_base_url"] = value

    def url(self, name: str | None) -> str:
        """The URL of the active tenant's file ``name``; a name that would leave its folder is refused."""
        if name:
            _check_name(name)
        return super().url(name)  # type: ignore[misc,no-any-return]


class TenantFileSystemStorage(TenantStorageMixin, FileSystemStorage):
    """Django's ``FileSystemStorage``, a folder per schema: ``MEDIA_ROOT/<schema>/``, ``MEDIA_URL<schema>/``.

    ``location`` and ``base_url`` work as Django's (defaults ``MEDIA_ROOT``
    and ``MEDIA_URL``) and name the folder that holds the tenants' folders.
    Paths on disk are joined as Django's are: a name that would leave the
    tenant's folder raises ``SuspiciousFileOperation``.
    """


def follows_active_tenant(storage: Any) -> bool:
    """Whether ``storage`` keeps its files in the active tenant's folder (a tenant storage not pinned to a schema)."""
    try:
        return isinstance(storage, TenantStorageMixin) and storage.schema_name is None
    except Exception:  # a lazy storage that cannot be built: Django says why when it is used
        return False
