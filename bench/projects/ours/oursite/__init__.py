"""django-pg-tenants, installed from this repository's packages/."""
