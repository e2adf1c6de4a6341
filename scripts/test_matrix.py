"""Run the whole test suite over every environment of hatch's `test` matrix.

    hatch run test            # every matrix environment, one after the other
    hatch run test -- -k x    # arguments after -- go to pytest

Hatch needs each environment's Python on PATH; pyenv installs that are not
active are found too. A missing interpreter or browser is reported as a
missing install step and fails the run (use --available to run only the
environments whose Python is present).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSER = os.environ.get("PG_TENANTS_CHROMIUM", "/usr/bin/chromium")


def find_python(version: str) -> str | None:
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
        return found
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for candidate in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True):
        return str(candidate)
    return None


def matrix_envs() -> dict[str, str]:
    out = subprocess.run(["hatch", "env", "show", "--json"], capture_output=True, text=True, check=True, cwd=ROOT)
    envs = json.loads(out.stdout)
    return {name: str(cfg.get("python", "")) for name, cfg in envs.items() if name.startswith("test.")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--available", action="store_true", help="skip environments whose Python is missing")
    parser.add_argument("--env", action="append", help="run only this environment (repeatable)")
    args, pytest_args = parser.parse_known_args()
    pytest_args = [a for a in pytest_args if a != "--"]

    missing: list[str] = []
    if not Path(BROWSER).exists():
        missing.append(f"Chromium at {BROWSER} (Debian: apt-get install chromium) for the admin browser test")
    if not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()):
        missing.append("PgBouncer (Debian: apt-get install pgbouncer) for the transaction-pooling tests")
    path = os.environ.get("PATH", "")
    runnable: list[str] = []
    for env, version in matrix_envs().items():
        if args.env and env not in args.env:
            continue
        python = find_python(version)
        if python is None:
            missing.append(f"python{version} for {env}")
            continue
        path = f"{Path(python).parent}{os.pathsep}{path}"
        runnable.append(env)
    if missing and not args.available:
        print("Missing install steps:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2

    results: list[tuple[str, int, float]] = []
    for env in runnable:
        print(f"\n=== {env} ===", flush=True)
        start = time.monotonic()
        code = subprocess.run(
            ["hatch", "run", f"{env}:run", *pytest_args], cwd=ROOT, env={**os.environ, "PATH": path}
        ).returncode
        results.append((env, code, time.monotonic() - start))

    print("\n=== summary ===")
    for env, code, seconds in results:
        print(f"{env:40} {'passed' if code == 0 else f'FAILED (exit {code})'}  {seconds:.0f}s")
    for item in missing:
        print(f"{'not run':40} missing {item}")
    return 0 if results and all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
