"""Set the release version of all four distributions: ``python scripts/set_version.py 3.0.1``.

Writes VERSION (which every ``pyproject.toml`` reads its version from) and the
pins between the distributions (``django-pg-tenants==…``,
``django-pg-tenants-resolvers==…``), which must name the same release.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r'"(django-pg-tenants(?:-resolvers|-migrations|-admin|-celery|-channels)?)==[^"]+"')


def main(version: str) -> None:
    if not re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?", version):
        raise SystemExit(f"{version!r} is not a release version such as 3.0.1 or 3.1.0rc1.")
    (REPO / "VERSION").write_text(version + "\n")
    for pyproject in sorted(REPO.glob("packages/*/pyproject.toml")):
        text = pyproject.read_text()
        pyproject.write_text(PIN.sub(lambda match: f'"{match.group(1)}=={version}"', text))
    print(f"VERSION and the pins between the distributions now say {version}.")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
