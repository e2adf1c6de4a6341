"""Abstract tenant and domain models.

A project subclasses both in a shared app and points ``TENANT_MODEL`` and
``TENANT_DOMAIN_MODEL`` at them:

    class Client(TenantModel):
        name = models.CharField(max_length=100)

    class Domain(DomainModel):
        pass
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction

from .conf import tenant_settings
from .hostnames import InvalidHost, normalize_domain
from .schema import provision_schema, rename_schema, reserved_schema_names
from .signals import schema_created
from .validation import slug_from_schema_name, validate_schema_name, validate_slug, validate_tenant_schema_name


class ImmutableSchemaName(ValidationError):
    """A saved tenant's ``schema_name`` was changed outside of :meth:`TenantModel.rename_schema`."""


class TenantModel(models.Model):
    """A tenant: one row in public, one schema of its own.

    Saving a new tenant creates and fills its schema in the same transaction as
    the row (``auto_create_schema``); deleting it drops the schema when
    ``auto_drop_schema`` is set. ``schema_name`` cannot change once saved,
    except through :meth:`rename_schema` (which the admin and the migrations
    package's ``rename_tenant`` call).
    """

    #: Create (and fill) the schema when a new tenant is saved.
    auto_create_schema: ClassVar[bool] = True
    #: Drop the schema, and all its data, when the tenant is deleted.
    auto_drop_schema: ClassVar[bool] = False
    #: The schema name as loaded from the database (guards against renames by save()).
    _saved_schema_name: str | None = None

    schema_name = models.CharField(
        max_length=63,
        unique=True,
        validators=[validate_tenant_schema_name],
        help_text="PostgreSQL schema holding this tenant's tables. Cannot be changed once saved.",
    )
    slug = models.CharField(
        max_length=63,
        unique=True,
        blank=True,
        validators=[validate_slug],
        help_text="DNS label used by the subdomain, header and path resolvers; derived from the "
        "schema name when left blank.",
    )
    tenant_type = models.CharField(
        max_length=50,
        blank=True,
        default="",
        help_text="Selects the urlconf in TENANT_URLCONFS; blank uses ROOT_URLCONF.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive tenants are not served.")
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.schema_name

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Any:
        instance = super().from_db(*args, **kwargs)
        instance._saved_schema_name = instance.__dict__.get("schema_name")
        return instance

    @property
    def is_public(self) -> bool:
        """Whether this is the public tenant (``schema_name == PUBLIC_SCHEMA_NAME``)."""
        return self.schema_name == tenant_settings.PUBLIC_SCHEMA_NAME

    def clean_fields(self, exclude: Any = None) -> None:
        if not self.slug and self.schema_name:
            self.slug = slug_from_schema_name(self.schema_name)
        super().clean_fields(exclude=exclude)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save the row; for a new tenant, create its schema in the same transaction."""
        saved = getattr(self, "_saved_schema_name", None)
        if saved is not None and saved != self.schema_name:
            raise ImmutableSchemaName(
                f"Tenant {saved!r}: schema_name cannot change from {saved!r} to "
                f"{self.schema_name!r} by saving; use rename_schema() or the rename_tenant command."
            )
        validate_schema_name(self.schema_name, allow_public=True)
        if not self.slug:
            self.slug = slug_from_schema_name(self.schema_name)
        validate_slug(self.slug)
        adding = self._state.adding
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        if not (adding and self.auto_create_schema and not self.is_public):
            super().save(*args, **kwargs)
            self._saved_schema_name = self.schema_name
            return
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            self.create_schema(using=using)
        self._saved_schema_name = self.schema_name

    def create_schema(self, using: str = "default") -> None:
        """Create and fill this tenant's schema (called by :meth:`save` for new tenants)."""
        provision_schema(self.schema_name, using=using)
        schema_created.send(sender=type(self), tenant=self, schema_name=self.schema_name)

    def rename_schema(self, new_schema_name: str, *, slug: str | None = None, using: str | None = None) -> None:
        """Rename this tenant's schema (``ALTER SCHEMA ... RENAME``) and save the row, in one transaction.

        ``slug``, when given, changes too. The public tenant, invalid names and
        names an installed plug-in reserves (the migrations package's template)
        are refused with a ``ValidationError`` before any SQL. When anything
        fails, neither the database nor this instance changes.
        """
        if self.is_public:
            raise ValidationError("The public tenant's schema cannot be renamed.")
        validate_schema_name(new_schema_name)
        if new_schema_name in reserved_schema_names():
            raise ValidationError(f"Schema name {new_schema_name!r} is reserved by an installed app: choose another.")
        using = using or router.db_for_write(type(self), instance=self)
        old_schema_name, old_slug = self.schema_name, self.slug
        try:
            with transaction.atomic(using=using):
                self.schema_name = new_schema_name
                if slug is not None:
                    self.slug = slug
                self.full_clean(validate_unique=False)
                rename_schema(old_schema_name, new_schema_name, using)
                # The guard in save() compares with this: the rename is the one sanctioned change.
                self._saved_schema_name = new_schema_name
                self.save(using=using, update_fields=["schema_name", "slug"])
        except BaseException:
            self.schema_name, self.slug, self._saved_schema_name = old_schema_name, old_slug, old_schema_name
            raise

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Delete the row; the schema is dropped too when ``auto_drop_schema`` is set."""
        if self.is_public:
            raise ValidationError("The public tenant cannot be deleted: it owns the shared apps' tables.")
        return super().delete(*args, **kwargs)

    def get_primary_domain(self) -> DomainModel | None:
        """The tenant's primary domain, if it has domains."""
        domains = getattr(self, "domains", None)
        if domains is None:
            return None
        return domains.filter(is_primary=True).first()  # type: ignore[no-any-return]


class DomainModel(models.Model):
    """A host name that reaches a tenant; one primary per tenant."""

    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="Host name, stored normalised: lower case, no port, punycode for IDN.",
    )
    tenant = models.ForeignKey(
        settings.TENANT_MODEL if hasattr(settings, "TENANT_MODEL") else "pg_tenants.TenantModel",
        on_delete=models.CASCADE,
        related_name="domains",
    )
    is_primary = models.BooleanField(default=True, db_index=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(is_primary=True),
                name="%(app_label)s_%(class)s_one_primary_per_tenant",
            )
        ]

    def __str__(self) -> str:
        return self.domain

    def clean_fields(self, exclude: Any = None) -> None:
        try:
            self.domain = normalize_domain(self.domain)
        except InvalidHost as exc:
            raise ValidationError({"domain": str(exc)}) from None
        super().clean_fields(exclude=exclude)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Normalise the domain; making this one primary demotes the tenant's other domains."""
        try:
            self.domain = normalize_domain(self.domain)
        except InvalidHost as exc:
            raise ValidationError({"domain": str(exc)}) from None
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            if self.is_primary:
                others = type(self)._default_manager.using(using).filter(tenant_id=self.tenant_id, is_primary=True)
                if self.pk is not None:
                    others = others.exclude(pk=self.pk)
                others.update(is_primary=False)
            super().save(*args, **kwargs)
