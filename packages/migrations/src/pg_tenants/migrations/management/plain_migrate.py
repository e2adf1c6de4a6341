"""Why ``tenant_command migrate`` and ``all_tenants_command migrate`` are refused, and what to run instead."""

from __future__ import annotations

from django.core.management.base import CommandError


def refuse_migrate(command_name: str, instead: str) -> None:
    """Raise :class:`CommandError` when ``command_name`` is Django's ``migrate``, naming ``instead``.

    A tenant schema records only the migrations that ran in it, the tenant
    apps' (see :class:`pg_tenants.migrations.graph.SchemaSide`). Django's
    ``migrate`` takes a tenant app's migration recorded without the shared
    migration it depends on for an inconsistent history, and would record
    the shared apps' migrations there although the router skips them.
    """
    if command_name == "migrate":
        raise CommandError(
            "Django's migrate does not run in tenant schemas: they record only the migrations that ran in them "
            f"(the tenant apps'), which migrate takes for an inconsistent history. Use {instead}."
        )
