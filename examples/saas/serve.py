#!/usr/bin/env python
"""Serve the example SaaS with one command.

    python examples/saas/serve.py [--resolver subdomain|path] [--port 8000] [--noreload]

It makes sure there is a database (``DATABASE_URL``, or an embedded PostgreSQL
started from a wheel), migrates the public and tenant schemas, loads the demo
tenants, prints the URLs to open and the logins, then runs ``runserver`` with
auto-reload.

The embedded server is started here, in the parent process, *before*
``runserver``'s autoreloader spawns the child that serves requests: its URL is
exported as ``DATABASE_URL`` so every child (one per reload) uses the same
server, and it is stopped when this process exits.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: Django's autoreloader sets this in the child process it spawns (and re-spawns on change).
RELOADER_CHILD = "RUN_MAIN"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--resolver",
        choices=["subdomain", "path"],
        default=os.environ.get("EXAMPLE_RESOLVER", "subdomain"),
        help="subdomain: http://acme.localhost:8000/ (default); path: http://localhost:8000/t/acme/ "
        "(no wildcard DNS needed). Also EXAMPLE_RESOLVER.",
    )
    parser.add_argument("--addr", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EXAMPLE_PORT", "8000")))
    parser.add_argument("--noreload", action="store_true", help="do not restart when the code changes")
    return parser.parse_args(argv)


def migrate() -> None:
    """Bring public and every tenant schema up to date."""
    from django.core.management import call_command, get_commands

    if "migrate_schemas" in get_commands():
        call_command("migrate_schemas", interactive=False, verbosity=1)
        return
    # Without django-pg-tenants-migrations: Django's migrate, once for public,
    # then once inside each tenant's schema.
    from customers.models import Client
    from pg_tenants.core.conf import tenant_settings
    from pg_tenants.core.schema import migrate_schema

    call_command("migrate", interactive=False, verbosity=0)
    for client in Client.objects.exclude(schema_name=tenant_settings.PUBLIC_SCHEMA_NAME):
        migrate_schema(client.schema_name)


def print_urls() -> None:
    """The sites to open and how to log in to them."""

    from customers.links import public_url, site_url
    from customers.management.commands.load_demo import ADMIN_PASSWORD, ADMIN_USERNAME, DEMO, USER_PASSWORD
    from customers.models import Client

    public = public_url()
    lines = [
        "",
        f"  Public site        {public}",
        f"  Admin              {public}admin/   (log in as {ADMIN_USERNAME} / {ADMIN_PASSWORD})",
    ]
    for client in Client.objects.filter(schema_name__in=list(DEMO)):
        users = ", ".join(DEMO[client.schema_name]["users"])
        lines.append(f"  {client.name:<18} {site_url(client)}   (users {users}; password {USER_PASSWORD})")
    lines.append("")
    print("\n".join(lines), flush=True)


def prepare() -> None:
    """Database, migrations, demo data, URLs: once, in the parent process."""
    import django
    from django.core.management import call_command
    from django.db import connections

    # Importing the settings calls database_settings(): with no DATABASE_URL it
    # starts the embedded server and exports DATABASE_URL for the children.
    embedded = not os.environ.get("DATABASE_URL")
    django.setup()
    from django.conf import settings

    host = settings.DATABASES["default"]["HOST"]
    if embedded:
        print(f"Database: embedded PostgreSQL in {host} (stopped and deleted when you quit).", flush=True)
    else:
        print(f"Database: {settings.DATABASES['default']['NAME']} on {host or 'localhost'} (DATABASE_URL).", flush=True)
    print("Migrating...", flush=True)
    migrate()
    call_command("load_demo")
    print_urls()
    connections.close_all()


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    # SystemExit runs the atexit handlers that stop the embedded server, and
    # makes runserver's reloader kill the child it is waiting for.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ["EXAMPLE_RESOLVER"] = args.resolver
    os.environ["EXAMPLE_PORT"] = str(args.port)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings")
    sys.path.insert(0, str(HERE))
    if os.environ.get(RELOADER_CHILD) != "true":
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        prepare()
    from django.core.management import execute_from_command_line

    runserver = [sys.argv[0], "runserver", f"{args.addr}:{args.port}"]
    if args.noreload:
        runserver.append("--noreload")
    execute_from_command_line(runserver)


if __name__ == "__main__":
    main()
