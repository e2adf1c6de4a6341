"""Run the Citus test suite (packages/migrations/citus_tests) against the cluster in CITUS_DATABASE_URL.

    CITUS_DATABASE_URL=postgres://postgres@127.0.0.1:9700/postgres hatch run citus:test

The URL is a Citus coordinator with ``citus.enable_schema_based_sharding = on``,
at least one worker, and ``wal_level = logical`` (for moves). The suite
migrates that database itself and leaves only its template and the shared
tables behind; use a database kept for tests. Citus is not in the package
registries, so this suite is not part of ``hatch run test``; without the
variable it fails and says how to provide a cluster.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HOW = """CITUS_DATABASE_URL is not set: this suite needs a Citus cluster.
Give the URL of its coordinator, e.g.
    CITUS_DATABASE_URL=postgres://postgres@127.0.0.1:9700/postgres hatch run citus:test
The coordinator needs shared_preload_libraries = 'citus', citus.enable_schema_based_sharding = on,
wal_level = logical, `CREATE EXTENSION citus` in that database and at least one worker added with
citus_add_node (see docs/guides/citus.md, "Trying it locally")."""


def main() -> int:
    url = os.environ.get("CITUS_DATABASE_URL")
    if not url:
        print(HOW, file=sys.stderr)
        return 2
    env = dict(os.environ, DATABASE_URL=url)
    args = [a for a in sys.argv[1:] if a != "--"]
    command = [sys.executable, "-m", "pytest", "packages/migrations/citus_tests", "-p", "no:randomly", *args]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
