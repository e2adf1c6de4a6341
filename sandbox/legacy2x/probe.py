"""What the guide's test asks the moved project, printed as one JSON object.

``python -m sandbox.legacy2x.probe`` with ``DJANGO_SETTINGS_MODULE=sandbox.legacy2x.settings``:
a request per host through Django's test client (the whole middleware stack,
against the project's real database), the 2.x-style helpers of
``shop/reports.py``, and ``domain_url`` read, filtered on and written through
``pg_tenants.core.compat.models.TenantMixin``.
"""

from __future__ import annotations

import json
from typing import Any

import django


def get(client: Any, host: str) -> dict[str, Any]:
    response = client.get("/", HTTP_HOST=host)
    body = json.loads(response.content) if response["Content-Type"] == "application/json" else None
    return {"status": response.status_code, "body": body}


def main() -> None:
    django.setup()
    from django.test import Client as TestClient

    from sandbox.legacy2x.customers.models import Client
    from sandbox.legacy2x.shop import reports

    client = TestClient()
    hosts = ["acme.example.com", "www.acme.example.com", "globex.example.com", "example.com", "initech.example.com"]
    found: dict[str, Any] = {"before": {host: get(client, host) for host in hosts}}
    found["counts"] = reports.product_counts()
    found["globex_names"] = reports.product_names("globex")
    found["domain_urls"] = {c.schema_name: c.domain_url for c in Client.objects.order_by("pk")}
    found["lookups"] = {
        "get": Client.objects.get(domain_url="ACME.example.com").schema_name,
        "endswith": sorted(Client.objects.filter(domain_url__endswith=".example.com").values_list("slug", flat=True)),
        "exclude": sorted(Client.objects.exclude(domain_url="acme.example.com").values_list("slug", flat=True)),
        # www.acme.example.com is a Domain row too, but not the primary: domain_url means the primary.
        "alias": Client.objects.filter(domain_url="www.acme.example.com").count(),
    }
    acme, created = Client.objects.get_or_create(domain_url="acme.example.com", defaults={"name": "Acme again"})
    found["lookups"]["get_or_create"] = [acme.schema_name, created]

    # 2.x code creates tenants with domain_url: the schema is made (cloned from the template) and the Domain row.
    initech = Client.objects.create(schema_name="initech", domain_url="initech.example.com", name="Initech")
    found["created"] = get(client, "initech.example.com")
    initech.domain_url = "initrode.example.com"
    initech.save(verbosity=0)
    found["renamed"] = {
        "old": get(client, "initech.example.com")["status"],
        "new": get(client, "initrode.example.com"),
        "reloaded": Client.objects.get(pk=initech.pk).domain_url,
        "domains": list(initech.domains.values_list("domain", "is_primary")),  # type: ignore[attr-defined]
    }
    print(json.dumps(found))


if __name__ == "__main__":
    main()
