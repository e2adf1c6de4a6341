"""In-process benchmark steps, run inside either project's venv: ``python tasks.py <ours|djt> <task> ...``."""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{sys.argv[1]}_settings")
import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402

PROJECT, TASK = sys.argv[1], sys.argv[2]


def model():  # type: ignore[no-untyped-def]
    from django.apps import apps
    from django.conf import settings

    return apps.get_model(settings.TENANT_MODEL)


def create(count: int, prefix: str) -> None:
    """Create ``count`` tenants one by one, timing each (the sign-up path).

    With spare schemas (ours, ``BENCH_SPARES``), each sign-up is followed by the
    background refill it starts, outside the timed part: sign-ups arriving
    slower than one refill (a clone) apart each find a spare ready.
    """
    wait = None
    if PROJECT == "ours" and int(os.environ.get("BENCH_SPARES", "0")):
        from pg_tenants.migrations.spares import wait_for_refill as wait
    times = []
    for n in range(count):
        started = time.perf_counter()
        model()(schema_name=f"{prefix}{n:04d}", name="x").save()
        times.append(time.perf_counter() - started)
        if wait is not None:
            wait()
    print(json.dumps({"times": times}))


def fill(total: int) -> None:
    """Bring the number of tenants up to ``total`` (setup, not timed)."""
    tenant_model = model()
    have = tenant_model.objects.exclude(schema_name="public").count()
    if PROJECT == "ours":
        for n in range(have, total):
            tenant_model.objects.create(schema_name=f"f{n:04d}")
        return
    # django-tenants: copy one migrated tenant's schema with our SQL function (setup speed only).
    sys.path[:0] = ["../../packages/core/src", "../../packages/migrations/src"]
    from pg_tenants.migrations.sql import install_functions_sql

    source = tenant_model.objects.exclude(schema_name__in=["public", "dt_template0000"]).order_by("pk").first()
    with connection.cursor() as cursor:
        for statement in install_functions_sql("public"):
            cursor.execute(statement)
        rows = []
        for n in range(have, total):
            name = f"f{n:04d}"
            cursor.execute("SELECT public.pg_tenants_clone_schema(%s, %s)", [source.schema_name, name])
            rows.append(tenant_model(schema_name=name, name="x"))
        tenant_model.objects.bulk_create(rows)


if TASK == "create":
    create(int(sys.argv[3]), sys.argv[4])
elif TASK == "fill":
    fill(int(sys.argv[3]))
