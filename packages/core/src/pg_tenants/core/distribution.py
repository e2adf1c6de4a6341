"""The installed release of django-pg-tenants, and the ``pip install`` line that adds an extra to it.

Error messages and system checks that ask for an extra pin it to the release
that is installed: an unpinned ``pip install "django-pg-tenants[resolvers]"``
lets the resolver pick any release of the core, including the 2.x line
(module ``tenant_schemas``) that shares the name on the package index.
"""

from __future__ import annotations

from importlib import metadata

#: The core's distribution name; the plug-ins are ``django-pg-tenants-<name>``.
DISTRIBUTION = "django-pg-tenants"


def installed_version() -> str | None:
    """The version of the installed core distribution, ``None`` when it is not installed (a source tree)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def pip_install(extra: str) -> str:
    """The command that installs ``extra`` beside the installed core without replacing it.

    ``pip install "django-pg-tenants[resolvers]==3.0.0"`` for an installed
    3.0.0; without a version when the core is not installed as a distribution.
    """
    version = installed_version()
    pin = f"=={version}" if version else ""
    return f'pip install "{DISTRIBUTION}[{extra}]{pin}"'
