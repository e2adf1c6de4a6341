"""``bench_setup --tenants N``: migrate public and make sure tenants ``t0 .. t(N-1)`` exist."""

from __future__ import annotations

import json
import time
from typing import Any

from benchapp.models import Item
from benchsettings import tenant_domain, tenant_schema
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from djtsite.models import Client, Domain


class Command(BaseCommand):
    help = "Prepare the django-tenants project's database for the request benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenants", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        call_command("migrate_schemas", shared=True, verbosity=0, interactive=False)
        if not Client.objects.filter(schema_name="public").exists():
            public = Client.objects.create(schema_name="public", name="public")
            Domain.objects.create(domain="public.bench.test", tenant=public, is_primary=True)
        have = Client.objects.exclude(schema_name="public").count()
        created = 0
        for index in range(have, options["tenants"]):
            client = Client(schema_name=tenant_schema(index), name=tenant_schema(index))
            client.save()
            Domain.objects.create(domain=tenant_domain(index), tenant=client, is_primary=True)
            with schema_context(client.schema_name):
                Item.objects.create(pk=1, name=f"item of {client.schema_name}")
            created += 1
        seconds = time.perf_counter() - start
        self.stdout.write(json.dumps({"tenants": options["tenants"], "created": created, "seconds": seconds}))
