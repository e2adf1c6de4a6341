from pg_tenants.core.compat import get_public_schema_name, get_tenant_model, schema_context, tenant_context

from .models import Product


def product_counts():
    """How many products each tenant has, by schema name."""
    counts = {}
    for tenant in get_tenant_model().objects.exclude(schema_name=get_public_schema_name()).order_by("pk"):
        with tenant_context(tenant):
            counts[tenant.schema_name] = Product.objects.count()
    return counts


def product_names(schema_name):
    """A tenant's product names, by its schema name."""
    with schema_context(schema_name):
        return sorted(Product.objects.values_list("name", flat=True))
