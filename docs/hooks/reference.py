"""mkdocs hook: build the settings tables from the packages' ``conf.py`` files.

The settings reference must never fall behind the code, so its tables are read
from the source (without importing it): every property of a ``conf.py``
settings class that calls ``self._get("NAME", default)`` becomes a row with the
property's docstring and the default. ``<!-- settings:<package> -->`` in a page
is replaced by that package's table.

``changelog.md`` gets the repository's ``CHANGELOG.md`` (one file, owned at
the root, shown in the site). The hook also fails the (strict) build when a system check id that appears in
the source is missing from ``reference/checks.md``.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.plugins.pg_tenants_reference")

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ROOT / "packages"
MARKER = re.compile(r"<!-- settings:(\w+) -->")
PREFIX_ASSIGN = re.compile(r"""^(\w*PREFIX)\s*(?::\s*\w+\s*)?=\s*["'](pg_tenants\w*)["']""", re.MULTILINE)
CHECK_ID = re.compile(r"\bpg_tenants(?:_[a-z]+)?\.[EW]\d{3}\b")

#: An example value per setting, where the default alone does not show the use.
EXAMPLES: dict[str, str] = {
    "TENANT_MODEL": '"customers.Client"',
    "TENANT_DOMAIN_MODEL": '"customers.Domain"',
    "SHARED_APPS": '["pg_tenants.core", "django.contrib.contenttypes", "customers"]',
    "TENANT_APPS": '["django.contrib.contenttypes", "notes"]',
    "PUBLIC_SCHEMA_NAME": '"public"',
    "PUBLIC_SCHEMA_URLCONF": '"mysaas.urls_public"',
    "TENANT_URLCONFS": '{"enterprise": "mysaas.urls_enterprise"}',
    "TENANT_RESOLVER": '"subdomain"` or `["header", "hostname"]',
    "TENANT_NOT_FOUND": '"public"` or `"mysaas.views.no_such_tenant"',
    "TENANT_SEARCH_PATH_MODE": '"transaction"',
    "TENANT_SEARCH_PATH_ON_CONNECT": "False",
    "TENANT_EXTRA_SEARCH_PATHS": '["extensions"]',
    "TENANT_CACHE_ALIAS": '"tenants"',
    "TENANT_CACHE_TTL": "60",
    "TENANT_CACHE_SYNC_INTERVAL": "0.5",
    "TENANT_CACHE_MAX_ENTRIES": "50_000",
    "TENANT_CACHE_MAX_MISSES": "10_000",
    "TENANT_BASE_BACKEND": '"django.contrib.gis.db.backends.postgis"',
    "TENANT_SCHEMA_PROVISIONER": '"pg_tenants.core.schema.provision_by_migrating"',
    "TENANT_TEMPLATE_DIRS": '[BASE_DIR / "tenant_templates" / "{schema}"]',
    "TENANT_TEMPLATE_SCHEMA_NAME": '"_tenant_template"',
    "TENANT_URL_SCHEME": '"http"',
    "TENANT_URL_PORT": "8000",
    "TENANT_BASE_URL": '"https://app.example.com"',
    "TENANT_BASE_DOMAIN": '"example.com"',
    "TENANT_PUBLIC_SUBDOMAINS": '["www", "signup"]',
    "TENANT_HEADER_NAME": '"X-Customer"',
    "TENANT_TRUSTED_PROXIES": '["10.0.0.0/8"]',
    "TENANT_TRUSTED_PROXY_CHECK": '"mysaas.proxies.is_internal"',
    "TENANT_PATH_PREFIX": '"clients"',
    "TENANT_PATH_PUBLIC": "False",
    "TENANT_HOSTS_GROUP": '"customer"',
    "TENANT_HOSTS_TENANT_HOST": '"tenant"',
    "TENANT_HOSTS_PUBLIC_HOST": '"www"',
    "TENANT_MIGRATION_JOBS": "8",
    "TENANT_MIGRATION_LOCK_KEY": "4242",
    "TENANT_USE_TEMPLATE": "False",
    "TENANT_MIGRATION_REPLAY": "False",
    "TENANT_MIGRATION_BATCH_SIZE": "200",
    "TENANT_MIGRATION_POST_MIGRATE": '"always"',
    "TENANT_SPARE_SCHEMAS": "5",
    "TENANT_SPARE_REFILL": '"manual"',
    "TENANT_ADMIN_REGISTER": "False",
    "TENANT_ADMIN_TENANTS_FOR_USER": '"mysaas.admin.tenants_for"',
    "TENANT_ADMIN_SEARCH_THRESHOLD": "50",
    "TENANT_ADMIN_LOG_PUBLIC_USERS": "True",
    "TENANT_WEBSOCKET_NOT_FOUND_CODE": "4000` or `None",
    "TENANT_WEBSOCKET_UNAVAILABLE_CODE": "4001` or `None",
}


def _constants(tree: ast.Module) -> dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.unparse(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = ast.unparse(node.value)
    return found


def read_settings(conf: Path) -> list[tuple[str, str, str]]:
    """``(name, default, description)`` for each setting a ``conf.py`` reads, in source order."""
    tree = ast.parse(conf.read_text(encoding="utf-8"))
    constants = _constants(tree)
    rows = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for func in (n for n in cls.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")):
            for call in ast.walk(func):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "_get"
                    and len(call.args) == 2
                    and isinstance(call.args[0], ast.Constant)
                    and call.args[0].value == func.name
                ):
                    continue
                default = ast.unparse(call.args[1])
                default = constants.get(default, default)
                doc = " ".join((ast.get_docstring(func) or "").split())
                rows.append((func.name, default, doc))
                break
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def settings_table(package: str) -> str:
    conf = next((PACKAGES / package / "src" / "pg_tenants").glob("*/conf.py"), None)
    if conf is None:
        return f"*The {package} package is not in this checkout.*"
    lines = ["| Setting | Default | Example | What it does |", "|---|---|---|---|"]
    for name, default, doc in read_settings(conf):
        example = EXAMPLES.get(name)
        if example is None:
            log.warning("Setting %s (%s) has no example in docs/hooks/reference.py EXAMPLES", name, conf)
            example = default
        lines.append(f'| <span id="{name}">`{name}`</span> | `{_cell(default)}` | `{_cell(example)}` | {_cell(doc)} |')
    return "\n".join(lines)


def check_ids() -> set[str]:
    """Every system check id used in the packages' source."""
    found: set[str] = set()
    for source in PACKAGES.glob("*/src/pg_tenants/**/*.py"):
        text = source.read_text(encoding="utf-8")
        found.update(CHECK_ID.findall(text))
        # ids built as f"{PREFIX}.E001"
        for variable, prefix in PREFIX_ASSIGN.findall(text):
            found.update(f"{prefix}.{code}" for code in re.findall(r"\{" + variable + r"\}\.([EW]\d{3})", text))
    return found


def changelog() -> str:
    """The root ``CHANGELOG.md``, or a line saying there is none yet."""
    path = ROOT / "CHANGELOG.md"
    if not path.exists():
        log.info("CHANGELOG.md not found at %s; the changelog page says so", ROOT)
        return "# Changelog\n\nNo release yet: the changelog starts with the first one."
    return path.read_text(encoding="utf-8")


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri == "changelog.md":
        return markdown.replace("<!-- changelog -->", changelog())
    markdown = MARKER.sub(lambda m: settings_table(m.group(1)), markdown)
    if page.file.src_uri == "reference/checks.md":
        for missing in sorted(cid for cid in check_ids() if cid not in markdown):
            log.warning("System check %s is raised in the source but not documented in reference/checks.md", missing)
    return markdown
