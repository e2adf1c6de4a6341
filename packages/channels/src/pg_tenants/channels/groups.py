"""Channel-layer group names per tenant: ``"chat"`` in ``acme`` is ``"acme.chat"``.

A channel layer is shared by every tenant of a project, so a group called
``"chat"`` would gather the sockets of all of them, and a message sent to it
would reach them all. Here each group name is prefixed with the tenant's
schema and a period. Schema names never contain a period, so the prefix
cannot be forged with a group name: ``tenant_group_name("b.chat", "a")`` is
``"a.b.chat"``, which is tenant ``a``'s group.

Channels allows group names of fewer than 100 characters made of ASCII
letters, digits, hyphens, underscores and periods. A name too long once
prefixed (possible only for long schema names) is replaced, after the
prefix, by a digest of it: the same group always gets the same name, in
every process, and two groups of one tenant never share one.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import get_channel_layer

from pg_tenants.core.context import get_current_schema_name
from pg_tenants.core.validation import validate_schema_name

if TYPE_CHECKING:
    from channels.layers import BaseChannelLayer

    from pg_tenants.core.models import TenantModel

#: Channels' rule for group names (``BaseChannelLayer.group_name_regex``), and its length limit.
GROUP_NAME_RE = re.compile(r"[A-Za-z0-9._-]+")
MAX_GROUP_NAME_LENGTH = 99


def tenant_group_name(group: str, tenant: TenantModel | str | None = None) -> str:
    """The channel-layer name of ``group`` in ``tenant`` (a tenant or a schema name; default: the active one).

    Raises :class:`ValueError` for a group name Channels would refuse.
    """
    schema_name = schema_of(tenant)
    if not isinstance(group, str) or not GROUP_NAME_RE.fullmatch(group) or len(group) > MAX_GROUP_NAME_LENGTH:
        raise ValueError(
            f"Group name {group!r} is invalid: use fewer than 100 ASCII letters, digits, hyphens, "
            "underscores or periods."
        )
    name = f"{schema_name}.{group}"
    if len(name) > MAX_GROUP_NAME_LENGTH:
        name = f"{schema_name}.{hashlib.blake2b(group.encode(), digest_size=16).hexdigest()}"
    return name


class TenantChannelLayer:
    """A channel layer seen from one tenant: every group name it is given is that tenant's.

    ``group_add``, ``group_discard`` and ``group_send`` prefix the group with
    the schema (:func:`tenant_group_name`); everything else (``send``,
    ``receive``, ``new_channel``, ``extensions``...) is the wrapped layer's.
    Channel names need no prefix: the layer makes each one unique.
    """

    layer: BaseChannelLayer
    schema_name: str

    def __init__(self, layer: BaseChannelLayer, schema_name: str) -> None:
        if isinstance(layer, TenantChannelLayer):
            layer = layer.layer
        self.layer = layer
        self.schema_name = validate_schema_name(schema_name, allow_public=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.layer, name)

    def __repr__(self) -> str:
        return f"<TenantChannelLayer {self.schema_name!r} of {self.layer!r}>"

    def group_name(self, group: str) -> str:
        """The name ``group`` has in the channel layer."""
        return tenant_group_name(group, self.schema_name)

    async def group_add(self, group: str, channel: str) -> None:
        """Add ``channel`` to this tenant's ``group``."""
        await self.layer.group_add(self.group_name(group), channel)

    async def group_discard(self, group: str, channel: str) -> None:
        """Remove ``channel`` from this tenant's ``group``."""
        await self.layer.group_discard(self.group_name(group), channel)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        """Send ``message`` to the channels of this tenant's ``group``."""
        await self.layer.group_send(self.group_name(group), message)


def tenant_channel_layer(
    alias: str = DEFAULT_CHANNEL_LAYER, tenant: TenantModel | str | None = None
) -> TenantChannelLayer | None:
    """The channel layer ``alias`` seen from ``tenant`` (default: the active one), or ``None`` if unconfigured.

    For code outside consumers that talks to a tenant's groups, such as a
    view or a Celery task: ``await tenant_channel_layer().group_send("chat", {...})``.
    """
    layer = get_channel_layer(alias)
    if layer is None:
        return None
    return TenantChannelLayer(layer, schema_of(tenant))


def schema_of(tenant: TenantModel | str | None) -> str:
    """The validated schema name of a tenant, of a schema name, or of the active schema for ``None``."""
    if tenant is None:
        schema_name = get_current_schema_name()
    else:
        schema_name = tenant if isinstance(tenant, str) else tenant.schema_name
    return validate_schema_name(schema_name, allow_public=True)
