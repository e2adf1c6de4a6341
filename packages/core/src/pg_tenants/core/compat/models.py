"""``TenantMixin``: 3.0's tenant model with 2.x's ``domain_url``, kept in the tenant's primary Domain row.

A 2.x project changes one import (``tenant_schemas.models`` becomes
``pg_tenants.core.compat.models``), adds a domain model, and its code that
reads, writes or filters on ``domain_url`` keeps working::

    class Client(TenantMixin):
        name = models.CharField(max_length=100)

    class Domain(DomainModel):
        pass

    Client.objects.create(schema_name="acme", domain_url="acme.example.com")
    Client.objects.get(domain_url="acme.example.com")

``domain_url`` is no column any more: the upgrade migration
(:mod:`pg_tenants.core.compat.upgrade`) moves each row's value into a Domain
row, which is what the ``hostname`` resolver matches.
"""

from __future__ import annotations

from typing import Any

from django.db import models, router, transaction

from pg_tenants.core.hostnames import normalize_domain
from pg_tenants.core.models import DomainModel, TenantModel
from pg_tenants.core.registry import get_domain_model
from pg_tenants.core.schema import drop_schema

#: A lookup on ``domain_url`` (``domain_url``, ``domain_url__iexact``...) is one on the primary domain's name.
_FIELD = "domain_url"


def _translate(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``filter()`` keywords with ``domain_url`` lookups turned into lookups on the primary domain."""
    translated: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key == _FIELD or key.startswith(_FIELD + "__"):
            lookup = key[len(_FIELD) :]
            if lookup in ("", "__exact") and isinstance(value, str):
                value = value.lower()  # domains are stored lower case; 2.x matched hosts lowered too
            translated["domains__domain" + lookup] = value
            translated["domains__is_primary"] = True
        else:
            translated[key] = value
    return translated


class TenantQuerySet(models.QuerySet[Any]):
    """Filters on ``domain_url`` as 2.x did, through the primary Domain row.

    ``filter()``, ``exclude()`` and ``get()`` (so ``get_or_create()`` too)
    accept ``domain_url`` and its lookups as keywords; ordering or
    ``values()`` by it do not exist (use ``domains__domain``).
    """

    def filter(self, *args: Any, **kwargs: Any) -> TenantQuerySet:
        return super().filter(*args, **_translate(kwargs))

    def exclude(self, *args: Any, **kwargs: Any) -> TenantQuerySet:
        translated = _translate(kwargs)
        if translated == kwargs:
            return super().exclude(*args, **kwargs)
        # One subquery, so "not this primary domain" is not "no domain at all that is primary and this".
        matching = TenantQuerySet(self.model, using=self.db).filter(**kwargs)
        return super().exclude(*args, pk__in=matching.values("pk"))

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return super().get(*args, **_translate(kwargs))


class TenantMixin(TenantModel):
    """A :class:`~pg_tenants.core.models.TenantModel` with django-pg-tenants 2.x's ``domain_url``.

    ``domain_url`` reads the host of the tenant's primary domain (``""`` when
    it has none); set it (or pass it to the constructor) and :meth:`save`
    writes it there in the same transaction as the tenant row: the primary
    row's host changes, or the tenant's other domain of that name becomes
    primary, or a primary row is created. ``""`` removes the primary domain.
    Needs ``TENANT_DOMAIN_MODEL`` (system check ``pg_tenants.E103``).

    2.x's ``save(verbosity=...)`` and ``delete(force_drop=True)`` are accepted.
    """

    objects = TenantQuerySet.as_manager()

    #: A domain_url assigned since the last save, written by save().
    _pending_domain_url: str | None = None
    #: The primary domain's host as last read or written (read once per instance).
    _domain_url: str | None = None

    class Meta:
        abstract = True

    @property
    def domain_url(self) -> str:
        """The host of the tenant's primary domain; ``""`` when it has none."""
        if self._pending_domain_url is not None:
            return self._pending_domain_url
        if self._domain_url is None:
            primary = self.get_primary_domain() if self.pk is not None else None
            self._domain_url = primary.domain if primary is not None else ""
        return self._domain_url

    @domain_url.setter
    def domain_url(self, value: str) -> None:
        self._pending_domain_url = normalize_domain(value) if value else ""

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        """Reload the row; ``domain_url`` is read again too (an unsaved assignment is kept)."""
        super().refresh_from_db(*args, **kwargs)
        self._domain_url = None

    def save(self, *args: Any, verbosity: int | None = None, **kwargs: Any) -> None:
        """Save the row (and create the schema of a new tenant), then the ``domain_url`` assigned since.

        ``verbosity`` is 2.x's and ignored: creating a schema prints nothing.
        """
        pending = self._pending_domain_url
        if pending is None:
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            self._write_primary_domain(pending, using)
        self._pending_domain_url = None
        self._domain_url = pending

    def _write_primary_domain(self, host: str, using: str) -> None:
        domains = get_domain_model()._default_manager.using(using).filter(tenant_id=self.pk)
        primary = domains.filter(is_primary=True).first()
        if not host:
            if primary is not None:
                primary.delete()
            return
        if primary is not None and primary.domain == host:
            return
        domain: DomainModel | None = domains.filter(domain=host).first()
        if domain is None and primary is not None:
            domain = primary
        if domain is None:
            domain = get_domain_model()(tenant_id=self.pk)
        domain.domain = host
        domain.is_primary = True
        domain.save(using=using)

    def delete(self, *args: Any, force_drop: bool = False, **kwargs: Any) -> Any:
        """Delete the row; ``force_drop`` (2.x) drops the schema even when ``auto_drop_schema`` is off."""
        if not force_drop or self.auto_drop_schema:
            return super().delete(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        schema_name = self.schema_name
        with transaction.atomic(using=using):
            result = super().delete(*args, **kwargs)
            drop_schema(schema_name, using=using)
        return result
