"""Hostile input, fuzzed: schema names, slugs, tenant rows and admin switcher POSTs.

Only clear validation errors (or 302/400/403/404 answers) come back, never a
500, never a schema made from a bad name, never a query in a schema that was
not asked for. Hosts, tenant headers and path prefixes are fuzzed by the
resolvers package (``packages/resolvers/tests``); this adds what it does not
reach.
"""

from __future__ import annotations

import re
from importlib.util import find_spec

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pg_tenants.core import get_current_schema_name, schema_context
from pg_tenants.core.testing import get_test_tenant
from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name, validate_slug
from sandbox.customers.models import Client as Tenant

VALID = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
FUZZ = hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Text an attacker would try: SQL and identifier breakers, unicode look-alikes, control characters.
hostile = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            'acme"; DROP SCHEMA public CASCADE; --',
            "acme, public",
            "pg_catalog",
            "pg_toast",
            "information_schema",
            "public",
            "PUBLIC",
            "acme\x00",
            "acme\n",
            "ａｃｍｅ",
            "acme\u200b",
            "a" * 64,
            "$user",
            "acme;",
            "_",
            "",
        ]
    ),
    st.from_regex(r"[a-z_][a-z0-9_]{0,70}", fullmatch=True),
)


def _schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


@FUZZ
@given(name=hostile)
def test_schema_names_are_valid_or_refused_with_a_clear_error(name):
    try:
        validated = validate_schema_name(name)
    except InvalidSchemaName as exc:
        assert "Schema name" in str(exc) or "schema name" in str(exc)
        if name != "public":  # the one name a tenant may not take but a context may
            with pytest.raises(InvalidSchemaName):
                schema_context(name)  # refused before any SQL could be built from it
        return
    assert VALID.match(validated) and not validated.startswith("pg_")
    assert validated not in {"public", "information_schema"}


@FUZZ
@given(slug=hostile)
def test_slugs_are_dns_labels_or_refused(slug):
    try:
        validate_slug(slug)
    except ValidationError as exc:
        assert "Slug" in exc.messages[0]
        return
    assert re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", slug), slug


@pytest.mark.django_db
@FUZZ
@given(name=hostile, slug=st.one_of(st.none(), hostile))
def test_tenant_rows_with_hostile_names_make_a_valid_schema_or_nothing(name, slug):
    before = _schemas()
    tenant = Tenant(schema_name=name, slug=slug or "")
    with transaction.atomic():  # each example starts from the same database
        try:
            with transaction.atomic():
                tenant.full_clean()
                tenant.save()
        except ValidationError as exc:
            assert exc.messages  # a message a form can show
            assert _schemas() == before
        else:
            # Accepted: a valid name, and the only schema made is that one (none for the public row).
            assert VALID.match(tenant.schema_name)
            made = _schemas() - before
            assert made == ({tenant.schema_name} if tenant.schema_name != "public" else set())
        transaction.set_rollback(True)


# -- the admin switcher ---------------------------------------------------------------------------

HAS_ADMIN = find_spec("pg_tenants.admin") is not None

if HAS_ADMIN:
    from pg_tenants.admin.switching import SESSION_KEY, SWITCH_FIELD

    ADMIN_SETTINGS = {
        "ROOT_URLCONF": "sandbox.urls_admin",
        "PUBLIC_SCHEMA_URLCONF": "sandbox.urls_admin",
        "MIDDLEWARE": [*settings.MIDDLEWARE, "pg_tenants.admin.middleware.TenantAdminMiddleware"],
        "TENANT_APPS": [*settings.TENANT_APPS, "django.contrib.admin"],
    }

    @pytest.fixture(scope="module")
    def switch_tenants(django_db_setup, django_db_blocker):
        with override_settings(**ADMIN_SETTINGS), django_db_blocker.unblock():
            return get_test_tenant("fuzz_a"), get_test_tenant("fuzz_b")

    @pytest.mark.django_db
    @FUZZ
    @given(
        value=st.one_of(
            hostile.filter(lambda v: "\x00" not in v),
            st.sampled_from(["fuzz_a", "fuzz-b", "fuzz_b", " fuzz_a", "FUZZ_A", "1", "0"]),
        ),
        extra=st.dictionaries(
            st.sampled_from(["next", "pk", "_save"]), hostile.filter(lambda v: "\x00" not in v), max_size=3
        ),
    )
    def test_admin_switcher_posts_never_500_and_only_switch_to_real_tenants(
        switch_tenants, django_user_model, value, extra
    ):
        with override_settings(**ADMIN_SETTINGS):
            # Real tenants: the two made here and any other test's (acme, globex, ...) still in the database.
            allowed = {str(pk) for pk in type(switch_tenants[0]).objects.values_list("pk", flat=True)}
            user = django_user_model.objects.filter(username="fuzzer").first()
            user = user or django_user_model.objects.create_superuser("fuzzer", "f@example.com", "x")
            client = Client(HTTP_HOST="tenants.test", raise_request_exception=False)
            client.force_login(user)
            response = client.post("/admin/", {SWITCH_FIELD: "1", "tenant": value, **extra})
            assert response.status_code in {200, 302, 400, 403, 404}, response.status_code
            chosen = client.session.get(SESSION_KEY)
            assert chosen is None or chosen in allowed, chosen
            follow = client.get("/admin/notes/note/")
            assert follow.status_code in {200, 302}
            if chosen is not None:
                assert follow.status_code == 200
        assert get_current_schema_name() == "public"  # nothing leaked into the test's own context

    @pytest.mark.django_db
    def test_admin_switcher_post_with_a_nul_byte_is_refused_not_500(switch_tenants, django_user_model):
        with override_settings(**ADMIN_SETTINGS):
            user = django_user_model.objects.create_superuser("nul", "n@example.com", "x")
            client = Client(HTTP_HOST="tenants.test", raise_request_exception=False)
            client.force_login(user)
            response = client.post("/admin/", {SWITCH_FIELD: "1", "tenant": "fuzz_a\x00"})
            assert response.status_code in {302, 400, 404}
