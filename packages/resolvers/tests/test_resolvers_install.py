"""Installing only the core: TENANT_RESOLVER = "subdomain" fails the system check, naming the extra.

A real throwaway virtualenv (made with uv, in a temporary directory) holds
only what a user would have installed; ``python -m django check`` runs there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import django
import pytest

PACKAGES = Path(__file__).resolve().parents[2]


def find_uv() -> Path:
    """uv beside this interpreter, else on PATH (hatch puts its installer there)."""
    beside = Path(sys.executable).with_name("uv")
    found = beside if beside.exists() else shutil.which("uv")
    assert found, "This test makes a throwaway virtualenv with uv: pip install uv (or put it on PATH)."
    return Path(found)


@pytest.fixture(scope="module")
def uv() -> Path:
    """uv, looked for when a test needs it: a missing uv fails these tests, not the collection of the suite."""
    return find_uv()


SETTINGS = """
import os

SECRET_KEY = "throwaway"
INSTALLED_APPS = ["django.contrib.contenttypes", "pg_tenants.core"]
DATABASES = {"default": {"ENGINE": "pg_tenants.core.backend", "NAME": "unused"}}
DATABASE_ROUTERS = ["pg_tenants.core.routers.TenantRouter"]
MIDDLEWARE = ["pg_tenants.core.middleware.TenantMiddleware"]
TENANT_RESOLVER = os.environ["RESOLVER"]
TENANT_BASE_DOMAIN = "example.com"
ROOT_HOSTCONF = "check_settings"
"""


def run(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        check=False,
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, uv: Path) -> Path:
    """A virtualenv with the core, Django and psycopg, and nothing else."""
    root = tmp_path_factory.mktemp("core-only")
    result = run(uv, "venv", root / "venv", "--python", sys.executable, "-q")  # same Python as the suite
    assert result.returncode == 0, result.stderr
    python = root / "venv" / "bin" / "python"
    result = run(
        uv, "pip", "install", "-q", "--python", python,
        PACKAGES / "core", f"django=={django.__version__}", "psycopg[binary]",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (root / "check_settings.py").write_text(SETTINGS)
    return root


def django_check(venv: Path, resolver: str) -> subprocess.CompletedProcess[str]:
    return run(
        venv / "venv" / "bin" / "python", "-m", "django", "check",
        DJANGO_SETTINGS_MODULE="check_settings", PYTHONPATH=str(venv), RESOLVER=resolver,
    )  # fmt: skip


def test_core_alone_names_the_extra_to_install(venv):
    result = django_check(venv, "subdomain")
    assert result.returncode == 1
    assert "(pg_tenants.E011) TENANT_RESOLVER 'subdomain' is provided by an extra that is not installed" in (
        result.stderr
    )
    assert 'pip install "django-pg-tenants[resolvers]"' in result.stderr


def test_with_the_resolvers_installed_the_plugins_are_found(venv, uv):
    python = venv / "venv" / "bin" / "python"
    result = run(uv, "pip", "install", "-q", "--python", python, "--no-deps", PACKAGES / "resolvers")
    assert result.returncode == 0, result.stderr
    # The resolver plug-ins are found now; django-hosts is still missing, and the
    # hosts resolver's own check says which extra brings it.
    result = django_check(venv, "hosts")
    assert result.returncode == 1
    assert "pg_tenants.E011" not in result.stderr
    assert "(pg_tenants_resolvers.E011)" in result.stderr
    assert 'pip install "django-pg-tenants[hosts]"' in result.stderr
