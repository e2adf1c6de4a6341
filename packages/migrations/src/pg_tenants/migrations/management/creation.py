"""What ``create_tenant`` and ``clone_tenant`` share: the new tenant's options, and turning errors into messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from pg_tenants.core.models import TenantModel
from pg_tenants.migrations.lifecycle import TenantOperationError, describe_validation_error, parse_assignments


class TenantCreationCommand(BaseCommand):
    """A command that makes one new tenant; subclasses add their arguments and say how it is made."""

    #: Help of ``--set`` (what the values are set on).
    set_help = "Value of one of your tenant model's own fields (repeatable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", help="DNS label of the new tenant (default: from the schema name).")
        parser.add_argument("--domain", help="Primary domain of the new tenant (needs TENANT_DOMAIN_MODEL).")
        parser.add_argument(
            "--set", action="append", default=[], dest="fields", metavar="FIELD=VALUE", help=self.set_help
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fields: dict[str, Any] = parse_assignments(options["fields"])
            if options["slug"]:
                fields["slug"] = options["slug"]
            tenant = self.make_tenant(options, fields)
        except TenantOperationError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(f"Invalid tenant: {describe_validation_error(exc)}") from None
        if options["verbosity"]:
            self.stdout.write(self.done_message(options, tenant))

    def make_tenant(self, options: dict[str, Any], fields: dict[str, Any]) -> TenantModel:
        """Make the tenant from the parsed ``options`` with these model ``fields``."""
        raise NotImplementedError

    def done_message(self, options: dict[str, Any], tenant: TenantModel) -> str:
        """The line printed once the tenant exists."""
        raise NotImplementedError
