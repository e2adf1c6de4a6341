"""``manage.py load_demo``: the public site, two customers, their users and notes.

Safe to run again: what exists is kept, what is missing is created.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from customers.models import Client, Domain
from notes.models import Note
from pg_tenants.core import public_context, tenant_context
from pg_tenants.core.conf import tenant_settings

#: Operator account in public: logs in to /admin/ and uses the tenant switcher.
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"
#: Password of every demo tenant user.
USER_PASSWORD = "demo"

DEMO: dict[str, dict[str, Any]] = {
    "acme": {
        "name": "Acme Corporation",
        "users": ["alice", "wile"],
        "notes": [
            ("Order more rocket skates", "The last pair went over the cliff."),
            ("Quarterly anvil review", "Sales of anvils are up; so are complaints."),
        ],
    },
    "globex": {
        "name": "Globex",
        "users": ["hank"],
        "notes": [("Hammock district plans", "Site visit on Thursday.")],
    },
}


class Command(BaseCommand):
    help = "Load the example's demo data: the public tenant, acme and globex, users and notes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        public_name = tenant_settings.PUBLIC_SCHEMA_NAME
        with transaction.atomic():
            public, _ = Client.objects.get_or_create(schema_name=public_name, defaults={"name": "Notebook"})
            Domain.objects.get_or_create(domain="localhost", defaults={"tenant": public, "is_primary": True})
            with public_context():
                if not User.objects.filter(username=ADMIN_USERNAME).exists():
                    User.objects.create_superuser(ADMIN_USERNAME, "admin@localhost", ADMIN_PASSWORD)
        for slug, spec in DEMO.items():
            with transaction.atomic():
                client, created = Client.objects.get_or_create(
                    schema_name=slug, defaults={"name": spec["name"], "contact_email": f"owner@{slug}.localhost"}
                )
                Domain.objects.get_or_create(
                    domain=f"{client.slug}.localhost", defaults={"tenant": client, "is_primary": True}
                )
                with tenant_context(client):
                    users = []
                    for username in spec["users"]:
                        user = User.objects.filter(username=username).first()
                        if user is None:
                            user = User.objects.create_user(username, f"{username}@{slug}.localhost", USER_PASSWORD)
                        users.append(user)
                    if not Note.objects.exists():
                        for index, (title, body) in enumerate(spec["notes"]):
                            Note.objects.create(title=title, body=body, author=users[index % len(users)])
            self.stdout.write(f"{'created' if created else 'kept'} tenant {slug}")
