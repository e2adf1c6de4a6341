"""Throw-away virtualenvs for the packaging tests: what a user gets from ``pip install``, and nothing else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: The repository's root (holds VERSION and README.md) and its distributions' folders.
REPO = Path(__file__).resolve().parents[2]
PACKAGES = REPO / "packages"
DISTRIBUTIONS = ("core", "resolvers", "migrations", "admin", "celery", "channels")


def find_uv() -> Path:
    """uv beside this interpreter, else on PATH (hatch puts its installer there)."""
    beside = Path(sys.executable).with_name("uv")
    found = beside if beside.exists() else shutil.which("uv")
    assert found, "The packaging tests build wheels and venvs with uv: pip install uv (or put it on PATH)."
    return Path(found)


def run(
    *args: str | Path,
    timeout: float = 600,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    **extra_env: str,
) -> subprocess.CompletedProcess[str]:
    """Run a command in ``cwd``, capturing its output; ``extra_env`` is added to ``env`` (default: ours)."""
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**(os.environ if env is None else env), **extra_env},
        check=False,
    )


def checked(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, **extra_env: str) -> str:
    """:func:`run`, asserting success; returns stdout."""
    result = run(*args, cwd=cwd, env=env, **extra_env)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def release_version() -> str:
    """The version all four distributions are built with (the VERSION file)."""
    return (REPO / "VERSION").read_text().strip()


def build_wheels(uv: Path, out: Path) -> list[Path]:
    """Build the four distributions' wheels (through their sdists, as a release does) into ``out``."""
    for name in DISTRIBUTIONS:
        checked(uv, "build", "-q", "--out-dir", out, PACKAGES / name)
    return sorted(out.glob("*.whl"))


def new_venv(path: Path) -> Path:
    """A virtualenv made the way a user makes one (``python -m venv``, with its pip); returns its bin folder."""
    checked(sys.executable, "-m", "venv", path)
    return path / "bin"
