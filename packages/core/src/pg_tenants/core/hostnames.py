"""Host names as tenants see them: one normal form for every spelling."""

from __future__ import annotations

import functools

MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63


class InvalidHost(ValueError):
    """A host that cannot name a tenant."""


def split_host_port(host: str) -> tuple[str, str]:
    """Split ``"example.com:8000"`` into ``("example.com", "8000")``; IPv6 literals keep their brackets."""
    host = host.strip()
    if host.startswith("["):
        end = host.find("]")
        if end == -1:
            return host, ""
        rest = host[end + 1 :]
        return host[: end + 1], rest[1:] if rest.startswith(":") else ""
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        return name, port
    return host, ""


@functools.lru_cache(maxsize=4096)
def normalize_domain(host: str) -> str:
    """Return the canonical form of a host name, or raise :class:`InvalidHost`.

    The port is dropped, case folded, a trailing dot removed and
    internationalised names converted to their ASCII (punycode) form, so
    ``ACME.Example.com.:8000`` and ``acme.example.com`` are the same.
    """
    name, _port = split_host_port(host)
    name = name.lower()
    if name.endswith("."):
        name = name[:-1]  # one trailing dot is the DNS root; two leave an empty label
    if not name:
        raise InvalidHost("Host is empty.")
    if name.startswith("["):
        return name
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidHost(f"Host {host!r} is not a valid domain name: {exc}.") from None
    ascii_name = ascii_name.lower()
    if len(ascii_name) > MAX_HOST_LENGTH:
        raise InvalidHost(f"Host {host!r} is longer than {MAX_HOST_LENGTH} characters.")
    for label in ascii_name.split("."):
        if not label or len(label) > MAX_LABEL_LENGTH:
            raise InvalidHost(f"Host {host!r} has an empty label or one longer than {MAX_LABEL_LENGTH}.")
        if not all(c.isalnum() or c in "-_" for c in label) or not label.isascii():
            raise InvalidHost(f"Host {host!r} contains characters not allowed in a domain name.")
    return ascii_name
