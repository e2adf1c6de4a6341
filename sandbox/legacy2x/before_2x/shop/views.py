import logging

from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.template.loader import render_to_string
from tenant_schemas.utils import get_public_schema_name

from .models import Product

logger = logging.getLogger(__name__)


def products(request):
    """The tenant's products, and what else 2.x gave a tenant: its folders, its search path."""
    tenant = request.tenant
    logger.info("products of %s", tenant.name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT shout(%s)", [tenant.name])  # in PG_EXTRA_SEARCH_PATHS
        shout = cursor.fetchone()[0]
    return JsonResponse(
        {
            "schema_name": tenant.schema_name,
            "domain_url": tenant.domain_url,
            "public": tenant.schema_name == get_public_schema_name(),
            "products": list(Product.objects.order_by("name").values_list("name", flat=True)),
            "banner": render_to_string("shop/banner.txt").strip(),
            "logo": logo(),
            "shout": shout,
        }
    )


def logo():
    """The tenant's logo.txt, from its own media folder."""
    if not default_storage.exists("logo.txt"):
        return None
    with default_storage.open("logo.txt") as stored:
        return stored.read().decode()


def home(request):
    """The public site."""
    return JsonResponse({"site": "public", "domain_url": request.tenant.domain_url})
