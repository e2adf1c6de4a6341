"""Each tenant schema's admin history: where its ``django_admin_log.user_id`` points.

With ``django.contrib.admin`` in ``TENANT_APPS`` every tenant schema has its own
``django_admin_log``. The people who write to it through the tenant switcher are
the operators, rows of the user table in public. Two layouts:

* **Users shared** (the user model's app only in ``SHARED_APPS``): the tenant
  schema has no user table, so the foreign key Django creates already resolves
  to public's.
* **Users per tenant** (the user model's app in ``TENANT_APPS`` too, as in the
  example): Django points the key at the tenant's own users, where no operator
  exists. With ``TENANT_ADMIN_LOG_PUBLIC_USERS = True`` it is pointed at
  public's users instead, and :mod:`.logentries` reads the entries' users there.

In both, the key is (re)made ``ON DELETE CASCADE``: deleting an operator in
public makes Django delete their entries in public only (it knows one schema at
a time), and a plain key would then refuse the deletion at commit because other
schemas still name them.

:func:`point_log_at_public_users` does it for one schema. It runs when a schema
is created (``schema_created``: fresh, cloned, a spare taken) and after
``migrate_schemas`` applied migrations of the admin or of the user model's app
to a schema (``schema_migrated``: the template, existing tenants getting the
admin, a migration that re-created the key). It reads the catalog first and
changes nothing when the key is already right.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction

from pg_tenants.core.conf import tenant_settings
from pg_tenants.core.routers import tenant_app_labels
from pg_tenants.core.validation import quote_identifier

from .conf import admin_settings

#: Django's admin app label, whose ``LogEntry`` is the history.
ADMIN_LABEL = "admin"

_KEYS_SQL = """
SELECT con.conname, ref_ns.nspname = %s AND ref.relname = %s AND con.confdeltype = 'c'
FROM pg_constraint con
JOIN pg_class log ON log.oid = con.conrelid
JOIN pg_namespace log_ns ON log_ns.oid = log.relnamespace
JOIN pg_attribute col ON col.attrelid = log.oid AND col.attname = %s
JOIN pg_class ref ON ref.oid = con.confrelid
JOIN pg_namespace ref_ns ON ref_ns.oid = ref.relnamespace
WHERE con.contype = 'f' AND log_ns.nspname = %s AND log.relname = %s AND con.conkey = ARRAY[col.attnum]
ORDER BY con.conname
"""


def user_app_label() -> str:
    """The app label of ``AUTH_USER_MODEL``."""
    return str(settings.AUTH_USER_MODEL).partition(".")[0]


def users_per_tenant() -> bool:
    """Whether tenant schemas have their own user table (the user model's app is in ``TENANT_APPS``)."""
    return user_app_label() in tenant_app_labels()


def log_names_public_users() -> bool:
    """Whether tenant schemas keep an admin log whose entries name users of the public schema.

    True when ``django.contrib.admin`` is in ``TENANT_APPS`` and either the
    users are shared or ``TENANT_ADMIN_LOG_PUBLIC_USERS`` is set.
    """
    if ADMIN_LABEL not in tenant_app_labels():
        return False
    return not users_per_tenant() or admin_settings.TENANT_ADMIN_LOG_PUBLIC_USERS


def point_log_at_public_users(schema_name: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Make ``schema_name``'s ``django_admin_log.user_id`` reference public's user table, ``ON DELETE CASCADE``.

    Returns whether the key was changed. Does nothing (and returns ``False``)
    when the schema has no admin log, public has no user table, or the key is
    already right. Raises :class:`~django.db.IntegrityError`, naming the fix,
    when the log holds entries whose users public lacks (written by the
    tenant's own users while the key pointed at them).
    """
    log_entry = apps.get_model(ADMIN_LABEL, "LogEntry")
    user_field = log_entry._meta.get_field("user")
    user_table = user_field.related_model._meta.db_table
    column = user_field.column
    target = user_field.target_field.column
    log_table = log_entry._meta.db_table
    public = tenant_settings.PUBLIC_SCHEMA_NAME
    qualified_log = f"{quote_identifier(schema_name)}.{quote_identifier(log_table)}"
    qualified_users = f"{quote_identifier(public)}.{quote_identifier(user_table)}"
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL", [qualified_log, qualified_users]
        )
        has_log, has_users = cursor.fetchone()
        if not (has_log and has_users):
            return False
        cursor.execute(_KEYS_SQL, [public, user_table, column, schema_name, log_table])
        keys: list[tuple[str, bool]] = cursor.fetchall()
        if len(keys) == 1 and keys[0][1]:
            return False
        name = keys[0][0] if keys else f"{log_table}_{column}_fk_{public}"[:63]
        changes = [f"DROP CONSTRAINT {quote_identifier(existing)}" for existing, _ in keys]
        changes.append(
            f"ADD CONSTRAINT {quote_identifier(name)} FOREIGN KEY ({quote_identifier(column)}) "
            f"REFERENCES {qualified_users} ({quote_identifier(target)}) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
        )
        try:
            with transaction.atomic(using=using):
                cursor.execute(f"ALTER TABLE {qualified_log} {', '.join(changes)}")
        except IntegrityError as exc:
            raise IntegrityError(
                f"The admin log of schema {schema_name!r} has entries by users that {public}.{user_table} does not "
                "have (written by the tenant's own users), so its user foreign key cannot point at public's users. "
                "Delete those entries, or leave TENANT_ADMIN_LOG_PUBLIC_USERS unset."
            ) from exc
    return True


def on_schema_created(sender: Any, schema_name: str, **kwargs: Any) -> None:
    """``schema_created`` receiver: a new schema's log names public's users when the layout wants it."""
    if schema_name != tenant_settings.PUBLIC_SCHEMA_NAME and log_names_public_users():
        point_log_at_public_users(schema_name)


def on_schema_migrated(sender: Any, schema_name: str, migrations: Any = (), **kwargs: Any) -> None:
    """``schema_migrated`` receiver: after migrations of the admin or the user app, check the key again."""
    touched = {app_label for app_label, _ in migrations}
    if touched & {ADMIN_LABEL, user_app_label()}:
        on_schema_created(sender, schema_name=schema_name)
