"""django-tenants (from the package index, only ever installed in the benchmark's own venv)."""
