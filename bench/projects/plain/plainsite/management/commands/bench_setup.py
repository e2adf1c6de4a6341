"""``bench_setup``: migrate and add item 1 (plain Django has no tenants; ``--tenants`` is ignored)."""

from __future__ import annotations

import json
import time
from typing import Any

from benchapp.models import Item
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Prepare the plain project's database for the request benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenants", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        Item.objects.update_or_create(pk=1, defaults={"name": "item of plain"})
        self.stdout.write(json.dumps({"tenants": 0, "created": 0, "seconds": time.perf_counter() - start}))
