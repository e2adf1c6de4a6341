"""``TenantTestCase`` and ``TenantClient``."""

from __future__ import annotations

from contextvars import Token
from typing import Any, ClassVar
from urllib.parse import SplitResult, urlsplit

from django.db import DEFAULT_DB_ALIAS, transaction
from django.test import AsyncClient, Client, TestCase

from pg_tenants.core.context import ActiveSchema, activate, deactivate
from pg_tenants.core.models import TenantModel
from pg_tenants.core.registry import get_tenant_model
from pg_tenants.core.resolvers import get_resolver
from pg_tenants.core.schema import schema_exists

_test_tenants: dict[tuple[str, str], TenantModel] = {}


def get_test_tenant(schema_name: str = "test_tenant", using: str = DEFAULT_DB_ALIAS, **fields: Any) -> TenantModel:
    """The test tenant named ``schema_name``, created (committed) on first use and then reused.

    Creating a schema costs the whole tenant migration history, so a test run
    creates it once. ``fields`` fill the project's own required fields. It must
    be called outside a test's transaction (``setUpClass`` or a session fixture).
    """
    key = (using, schema_name)
    tenant_model = get_tenant_model()
    tenant = _test_tenants.get(key)
    if tenant is not None and tenant_model._default_manager.using(using).filter(pk=tenant.pk).exists():
        return tenant
    existing = tenant_model._default_manager.using(using).filter(schema_name=schema_name).first()
    if existing is None:
        existing = tenant_model(schema_name=schema_name, **fields)
        if schema_exists(schema_name, using):
            # The row was flushed (TransactionTestCase) but the schema is intact.
            existing.auto_create_schema = False  # type: ignore[misc]
        with transaction.atomic(using=using):
            existing.save(using=using)
    _test_tenants[key] = existing
    return existing


class _TenantAddressing:
    """What both tenant clients share: the tenant's address from the resolver, its path prefix and scheme."""

    tenant: TenantModel
    _prefix: str
    _secure: bool

    def _address(self, tenant: TenantModel) -> tuple[SplitResult, dict[str, str]]:
        """Remember ``tenant``'s prefix and scheme; return its root URL's parts and the resolver's extra headers."""
        resolver = get_resolver()
        parts = urlsplit(resolver.url_for(tenant, "/"))
        self.tenant = tenant
        self._prefix = parts.path.rstrip("/")
        self._secure = parts.scheme == "https"
        extra = getattr(resolver, "client_headers", None)
        return parts, dict(extra(tenant)) if callable(extra) else {}

    def generic(self, method: str, path: Any, *args: Any, **kwargs: Any) -> Any:
        if self._prefix and not path.startswith(self._prefix + "/") and path.startswith("/"):
            path = self._prefix + path
        if self._secure and len(args) < 3:  # Client.get/post pass secure=False by keyword
            kwargs["secure"] = True
        return super().generic(method, path, *args, **kwargs)  # type: ignore[misc]


class TenantClient(_TenantAddressing, Client):
    """A test client whose requests reach ``tenant`` through the configured resolver.

    The host and path prefix come from the resolver's ``url_for(tenant)``, so
    the request goes through ``TenantMiddleware`` like a real one. A resolver
    may add request headers with a ``client_headers(tenant)`` method.
    """

    def __init__(self, tenant: TenantModel, **defaults: Any) -> None:
        parts, headers = self._address(tenant)
        if parts.hostname:
            defaults.setdefault("SERVER_NAME", parts.hostname)
            defaults.setdefault("HTTP_HOST", parts.netloc)
        if parts.port:
            defaults.setdefault("SERVER_PORT", str(parts.port))
        defaults.update(headers)
        super().__init__(**defaults)


class AsyncTenantClient(_TenantAddressing, AsyncClient):
    """The ``AsyncClient`` counterpart of :class:`TenantClient`.

    Django's ``AsyncClient`` always sends ``Host: testserver`` and appends any
    other host header to it; this client sends only the tenant's host.
    """

    def __init__(self, tenant: TenantModel, **defaults: Any) -> None:
        parts, headers = self._address(tenant)
        self._host = parts.netloc or "testserver"
        super().__init__(headers=headers or None, **defaults)

    def request(self, **scope: Any) -> Any:
        headers = [(k, v) for k, v in scope.get("headers", []) if k != b"host"]
        scope["headers"] = [(b"host", self._host.encode("ascii")), *headers]
        return super().request(**scope)


class TenantTestCase(TestCase):
    """A ``TestCase`` whose tests and ``setUpTestData`` run in a tenant schema.

    The schema (``tenant_schema_name``) is created once per test run and shared
    by every ``TenantTestCase``; each test's changes are rolled back as usual.
    ``self.tenant`` is the tenant, ``self.client`` a :class:`TenantClient`.
    """

    tenant_schema_name: ClassVar[str] = "test_tenant"
    #: Values for the project's own required tenant fields.
    tenant_fields: ClassVar[dict[str, Any]] = {}
    tenant: ClassVar[TenantModel]
    _tenant_token: ClassVar[Token[ActiveSchema | None]]

    @classmethod
    def setUpClass(cls) -> None:
        # The schema must exist, committed, before TestCase opens its transaction.
        cls.tenant = get_test_tenant(cls.tenant_schema_name, **cls.tenant_fields)
        cls._tenant_token = activate(ActiveSchema.for_schema(cls.tenant.schema_name, cls.tenant))
        try:
            super().setUpClass()
        except Exception:
            deactivate(cls._tenant_token)
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            super().tearDownClass()
        finally:
            deactivate(cls._tenant_token)

    def _pre_setup(self) -> None:
        super()._pre_setup()  # type: ignore[misc]
        self.client = TenantClient(self.tenant)
        self.async_client = AsyncTenantClient(self.tenant)
