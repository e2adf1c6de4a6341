from django.db.backends.postgresql.base import *  # noqa: F403
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper


class DatabaseWrapper(PostgresWrapper):
    vendor_marker = "wrapped-backend"
