"""The data step of the move from django-pg-tenants 2.x: tenant rows as 3.0 reads them.

Used in the migration of the app holding the tenant model, between the
operations that add 3.0's columns and the Domain model and the one that
removes ``domain_url`` (``docs/guides/from-2x.md`` has the whole file)::

    from pg_tenants.core.compat.upgrade import UpgradeTenantRows

    operations = [
        ...,  # AddField slug ..., CreateModel Domain, AlterField domain_url (null=True)
        UpgradeTenantRows("customers", "Client", "Domain"),
        ...,  # AlterField slug (unique), RemoveField domain_url
    ]

It is data only, run with the migration's historical models, so it stays
valid whatever the models become later.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from pg_tenants.core.hostnames import InvalidHost, normalize_domain
from pg_tenants.core.validation import InvalidSchemaName, is_valid_slug, slug_from_schema_name, validate_schema_name


class UpgradeError(ValueError):
    """A 2.x tenant row that 3.0 cannot take as it is; the message names the row and the fix."""


class UpgradeTenantRows(migrations.RunPython):
    """Turns 2.x tenant rows into 3.0 ones, reversibly: ``UpgradeTenantRows("customers", "Client", "Domain")``.

    Forwards, for every tenant row:

    - ``schema_name`` is lowercased: 2.x accepted ``Acme`` and created the
      schema without quotes, so PostgreSQL named it ``acme``; 3.0 quotes
      names and accepts lowercase only. A name 3.0 refuses otherwise stops
      the migration with an :class:`UpgradeError` naming the row.
    - an empty ``slug`` is derived from the schema name (``acme_corp`` ->
      ``acme-corp``), as :class:`~pg_tenants.core.models.TenantModel` does.
    - ``domain_url``, when not empty, becomes the tenant's primary Domain row
      (normalised: lower case, no port). 2.x's middleware also served
      ``www.<domain_url>``; ``www_aliases=True`` adds that host as a second,
      non-primary Domain row (unless it is another tenant's own), so those
      links keep working.

    Backwards, each tenant's ``domain_url`` is set from its primary domain
    (the column must exist and accept NULL by then: the migration makes it
    nullable before this operation).

    A ``RunPython`` that ``squashmigrations`` can write out, since it is
    written as itself with its arguments.
    """

    def __init__(
        self, app_label: str, tenant_model: str = "Client", domain_model: str = "Domain", www_aliases: bool = False
    ) -> None:
        self.tenant_app_label = app_label
        self.tenant_model = tenant_model
        self.domain_model = domain_model
        self.www_aliases = www_aliases
        super().__init__(self._forwards, self._backwards, elidable=False)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        """Written into a migration as ``UpgradeTenantRows(...)``, not as a ``RunPython`` of its methods."""
        args, kwargs = self._constructor_args  # type: ignore[attr-defined]
        return type(self).__qualname__, list(args), dict(kwargs)

    def describe(self) -> str:
        return f"Move {self.tenant_app_label}.{self.tenant_model}'s 2.x rows: domain_url to {self.domain_model} rows"

    def _managers(self, apps: Any, schema_editor: Any) -> tuple[Any, Any]:
        alias = schema_editor.connection.alias
        tenants = apps.get_model(self.tenant_app_label, self.tenant_model)._default_manager.using(alias)
        domains = apps.get_model(self.tenant_app_label, self.domain_model)._default_manager.using(alias)
        return tenants, domains

    def _forwards(self, apps: Any, schema_editor: Any) -> None:
        tenants, domains = self._managers(apps, schema_editor)
        slugs: dict[str, str] = {}
        hosts: dict[str, int] = {}
        for tenant in tenants.order_by("pk"):
            tenant.schema_name = _schema_name(tenant)
            tenant.slug = tenant.slug or slug_from_schema_name(tenant.schema_name)
            _check_slug(tenant, slugs)
            tenant.save(update_fields=["schema_name", "slug"])
            if tenant.domain_url:
                host = _host(tenant)
                domains.create(tenant_id=tenant.pk, domain=host, is_primary=True)
                hosts[host] = tenant.pk
        if self.www_aliases:
            # After every primary, so that an alias never takes a host a tenant has as its own.
            for host, pk in hosts.items():
                if not host.startswith("www.") and "www." + host not in hosts:
                    domains.create(tenant_id=pk, domain="www." + host, is_primary=False)

    def _backwards(self, apps: Any, schema_editor: Any) -> None:
        tenants, domains = self._managers(apps, schema_editor)
        for domain in domains.filter(is_primary=True):
            tenants.filter(pk=domain.tenant_id).update(domain_url=domain.domain)


def _schema_name(tenant: Any) -> str:
    name = str(tenant.schema_name).lower()
    try:
        return validate_schema_name(name, allow_public=True)
    except InvalidSchemaName as exc:
        raise UpgradeError(
            f"Tenant {tenant.pk}: {exc.messages[0]} Rename its schema (ALTER SCHEMA ... RENAME TO ...) and "
            "its row to a valid name before migrating."
        ) from None


def _check_slug(tenant: Any, slugs: dict[str, str]) -> None:
    if not is_valid_slug(tenant.slug):
        problem = f"slug {tenant.slug!r} is not a DNS label"
    elif tenant.slug in slugs:
        problem = f"slug {tenant.slug!r} is taken by tenant {slugs[tenant.slug]!r}"
    else:
        slugs[tenant.slug] = tenant.schema_name
        return
    raise UpgradeError(
        f"Tenant {tenant.pk} ({tenant.schema_name!r}): {problem}. Fill the slug column yourself before this "
        "operation (a RunPython or RunSQL placed before it)."
    )


def _host(tenant: Any) -> str:
    try:
        return normalize_domain(str(tenant.domain_url))
    except InvalidHost as exc:
        raise UpgradeError(
            f"Tenant {tenant.pk} ({tenant.schema_name!r}): domain_url {tenant.domain_url!r} cannot be a "
            f"domain: {exc} Correct the row before migrating."
        ) from None
