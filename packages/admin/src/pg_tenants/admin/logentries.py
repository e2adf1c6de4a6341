"""Reading admin log entries whose users live in public, from inside a tenant schema.

With the users per tenant and ``TENANT_ADMIN_LOG_PUBLIC_USERS = True``, a
tenant schema's ``django_admin_log.user_id`` references public's user table
(see :mod:`.history`). Django still believes it references ``auth_user`` as
the search path finds it, which inside a tenant is the tenant's own table: the
admin index ("Recent actions") and every object's History page join it with
``select_related``, so they would drop the operators' entries, or name the
tenant user who happens to have the operator's id.

Django offers no hook on the log's queries (``AdminSite.get_log_entries`` covers
the index only), so :func:`install` gives ``LogEntryManager`` a queryset class
whose model iterable, in exactly that situation, fetches the entries without
joining the user table and then loads their users from public in one query.
Everywhere else (public, users shared, the setting off) it is Django's own.

Not covered: lookups through the user in SQL (``filter(user__username=...)``,
``values("user__username")``) still read the tenant's users; Django's cascade
when one of the tenant's own users is deleted still deletes the tenant's log
entries that carry that user's id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable

from pg_tenants.core import get_current_schema_name, public_context
from pg_tenants.core.conf import tenant_settings

from .history import log_names_public_users, users_per_tenant

#: Entries whose users are loaded with one query.
BATCH_SIZE = 500


def reads_public_users() -> bool:
    """Whether log entries read now name public's users that the search path does not reach."""
    return (
        get_current_schema_name() != tenant_settings.PUBLIC_SCHEMA_NAME
        and users_per_tenant()
        and log_names_public_users()
    )


class PublicUsersIterable(ModelIterable):  # type: ignore[type-arg]
    """Yields log entries with their ``user`` read from public when :func:`reads_public_users`."""

    def __iter__(self) -> Iterator[Any]:
        if not reads_public_users():
            yield from super().__iter__()
            return
        queryset = self.queryset._chain()  # type: ignore[attr-defined]
        queryset.query.select_related = _without_user(queryset.query.select_related, queryset.model)
        entries: ModelIterable[Any] = ModelIterable(
            queryset, chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size
        )
        batch: list[Model] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) == BATCH_SIZE:
                yield from _with_public_users(batch, queryset.db)
                batch = []
        yield from _with_public_users(batch, queryset.db)


class LogEntryQuerySet(QuerySet):  # type: ignore[type-arg]
    """``LogEntry``'s queryset: model instances come from :class:`PublicUsersIterable`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._iterable_class = PublicUsersIterable


def install() -> None:
    """Give ``django.contrib.admin``'s ``LogEntryManager`` (and the managers derived from it) this queryset."""
    from django.contrib.admin.models import LogEntryManager

    current = LogEntryManager._queryset_class  # type: ignore[attr-defined]
    if issubclass(current, LogEntryQuerySet):
        return
    if current is not QuerySet:
        # Someone else's queryset class: keep it, under ours.
        current = type(current.__name__, (LogEntryQuerySet, current), {"__module__": __name__})
    else:
        current = LogEntryQuerySet
    LogEntryManager._queryset_class = current  # type: ignore[attr-defined]


def _without_user(select_related: Any, model: type[Model]) -> Any:
    if select_related is True:
        # select_related() with no fields follows every non-null foreign key.
        select_related = {
            field.name: {}
            for field in model._meta.concrete_fields
            if field.is_relation and not field.null and field.name != "user"
        }
    if isinstance(select_related, dict):
        select_related = {name: nested for name, nested in select_related.items() if name != "user"}
    return select_related or False


def _with_public_users(entries: list[Model], using: str) -> list[Model]:
    if not entries:
        return entries
    field = type(entries[0])._meta.get_field("user")
    ids = {entry.user_id for entry in entries}  # type: ignore[attr-defined]
    with public_context():
        users = get_user_model()._base_manager.db_manager(using).in_bulk(ids)
    for entry in entries:
        user = users.get(entry.user_id)  # type: ignore[attr-defined]
        if user is not None:
            field.set_cached_value(entry, user)  # type: ignore[union-attr]
    return entries
