"""Tooling for this repository's own tests, not shipped in any distribution.

* :mod:`.pgbouncer` - a throw-away PgBouncer in front of the test database.
* :mod:`.wsgi` - call a WSGI application the way a server does.
* :mod:`.schema_catalog` - a comparable description of a schema's catalog.
* :mod:`.caches` - a cache of a test's own (local memory or Redis), removed afterwards.

What a project's own test suite needs is in :mod:`pg_tenants.core.testing`.
"""
