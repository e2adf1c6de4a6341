"""``bench_setup --tenants N``: migrate public and make sure tenants ``t0 .. t(N-1)`` exist.

Tenants are created with ``Client.save()``, i.e. the library's provisioning
(template cloning when ``pg_tenants.migrations`` is installed, else running
migrations per schema). ``--provision-limit K`` creates only the first K that
way and copies ``t0``'s tables into the rest with plain SQL (``CREATE TABLE ...
(LIKE ... INCLUDING ALL)``), a shortcut for when provisioning is too slow; the
output says how many tenants each way was used for, and the request benchmark
only needs the schemas to exist.
"""

from __future__ import annotations

import json
import time
from importlib.util import find_spec
from typing import Any

from benchapp.models import Item
from benchsettings import tenant_domain, tenant_schema
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from oursite.models import Client, Domain
from pg_tenants.core import public_context, schema_context
from pg_tenants.core.validation import quote_identifier

BATCH = 200


class Command(BaseCommand):
    help = "Prepare the django-pg-tenants project's database for the request benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenants", type=int, default=10)
        parser.add_argument(
            "--provision-limit",
            type=int,
            default=None,
            help="Create at most this many tenants with the library; copy the rest with SQL (default: none copied).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        with public_context():
            call_command("migrate", verbosity=0, interactive=False)
        wanted = options["tenants"]
        has_migrations = find_spec("pg_tenants.migrations") is not None
        limit = options["provision_limit"] if options["provision_limit"] is not None else wanted
        have = Client.objects.count()
        provisioned = copied = 0
        provision_seconds = copy_seconds = 0.0
        index = have
        tick = time.perf_counter()
        while index < min(wanted, max(limit, 1)):
            self._provision(index)
            index += 1
            provisioned += 1
        provision_seconds = time.perf_counter() - tick
        tick = time.perf_counter()
        while index < wanted:
            upto = min(wanted, index + BATCH)
            self._copy(range(index, upto))
            copied += upto - index
            index = upto
        copy_seconds = time.perf_counter() - tick
        method = "pg_tenants.migrations provisioning" if has_migrations else "pg_tenants.core provision_by_migrating"
        self.stdout.write(
            json.dumps(
                {
                    "tenants": wanted,
                    "created": provisioned + copied,
                    "seconds": time.perf_counter() - start,
                    "provisioned": provisioned,
                    "provision_method": method,
                    "provision_seconds": provision_seconds,
                    "sql_copied": copied,
                    "sql_copy_seconds": copy_seconds,
                }
            )
        )

    @staticmethod
    def _provision(index: int) -> None:
        client = Client(schema_name=tenant_schema(index), name=tenant_schema(index))
        client.save()
        Domain.objects.create(domain=tenant_domain(index), tenant=client, is_primary=True)
        with schema_context(client.schema_name):
            Item.objects.create(pk=1, name=f"item of {client.schema_name}")

    @staticmethod
    def _copy(indexes: range) -> None:
        """Copy ``t0``'s tables into new schemas with SQL (bench-only shortcut, see module docstring)."""
        template = tenant_schema(0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [template])
            tables = [row[0] for row in cursor.fetchall()]
        with transaction.atomic(), connection.cursor() as cursor:
            for index in indexes:
                schema = quote_identifier(tenant_schema(index))
                statements = [f"CREATE SCHEMA {schema}"]
                for table in tables:
                    name = quote_identifier(table)
                    statements.append(f"CREATE TABLE {schema}.{name} (LIKE {template}.{name} INCLUDING ALL)")
                statements.append(f"INSERT INTO {schema}.django_migrations SELECT * FROM {template}.django_migrations")
                statements.append(
                    f"INSERT INTO {schema}.benchapp_item (id, name, value) "
                    f"VALUES (1, 'item of {tenant_schema(index)}', 0)"
                )
                cursor.execute("; ".join(statements))
            clients = Client.objects.bulk_create(
                [Client(schema_name=tenant_schema(i), slug=tenant_schema(i), name=tenant_schema(i)) for i in indexes]
            )
            Domain.objects.bulk_create(
                [
                    Domain(domain=tenant_domain(i), tenant=c, is_primary=True)
                    for i, c in zip(indexes, clients, strict=True)
                ]
            )
