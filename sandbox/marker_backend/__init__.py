"""A PostgreSQL backend standing in for PostGIS & co. in TENANT_BASE_BACKEND tests."""
