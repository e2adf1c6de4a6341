"""The tenant and domain admin on the public site: list, create, rename, deactivate, delete."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection

from pg_tenants.core import get_tenant_model, tenant_context
from pg_tenants.core.schema import schema_exists
from sandbox.customers.models import Client, Domain
from sandbox.notes.models import Note

pytestmark = pytest.mark.django_db

ADD = "/admin/customers/client/add/"


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _tenant_form(**fields):
    data = {
        "schema_name": "",
        "slug": "",
        "tenant_type": "",
        "name": "",
        "is_active": "on",
        "domains-TOTAL_FORMS": "0",
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
    }
    domains = fields.pop("domains", [])
    data.update(fields)
    data["domains-TOTAL_FORMS"] = str(len(domains))
    for i, (domain, primary) in enumerate(domains):
        data[f"domains-{i}-domain"] = domain
        if primary:
            data[f"domains-{i}-is_primary"] = "on"
    return data


def test_list_search_and_filters(two_tenants, superuser, public_client):
    client = public_client(superuser)
    page = client.get("/admin/customers/client/").content.decode()
    assert "adm_a" in page and "adm_b" in page and "http://adm-a.tenants.test/" in page
    page = client.get("/admin/customers/client/?q=Bravo").content.decode()
    assert ">adm_b<" in page and ">adm_a<" not in page
    assert "By tenant type" in page and "By created on" in page


def test_create_provisions_schema_with_domains(superuser, public_client):
    client = public_client(superuser)
    form = _tenant_form(schema_name="adm_new", name="New", domains=[("New.Example.com", True), ("alt.example", False)])
    response = client.post(ADD, form, follow=True)
    assert "Schema “adm_new” was created and migrated in" in _messages(response)
    tenant = Client.objects.get(schema_name="adm_new")
    assert schema_exists("adm_new")
    assert tenant.get_primary_domain().domain == "new.example.com"
    with tenant_context(tenant):
        assert Note.objects.count() == 0  # the tenant's tables are there


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"schema_name": "Bad-Name"}, "Schema name &#x27;Bad-Name&#x27; is invalid"),
        ({"schema_name": "adm_two", "domains": [("a.example", True), ("b.example", True)]}, "exactly one primary"),
        ({"schema_name": "adm_none", "domains": [("a.example", False)]}, "exactly one primary"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(superuser, public_client, fields, error):
    response = public_client(superuser).post(ADD, _tenant_form(**fields))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Client.objects.filter(schema_name=fields["schema_name"]).exists()
    assert not schema_exists(fields["schema_name"].lower())


def test_create_refuses_existing_schema(superuser, public_client):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA adm_leftover")
    response = public_client(superuser).post(ADD, _tenant_form(schema_name="adm_leftover"))
    assert "A schema named “adm_leftover” already exists in the database" in response.content.decode()
    assert not Client.objects.filter(schema_name="adm_leftover").exists()


def broken_provisioner(schema_name, using="default", **kwargs):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema_name}")
        cursor.execute("SELECT * FROM no_such_table_for_provisioning")


def test_failed_provisioning_says_so_and_keeps_nothing(superuser, public_client, settings):
    settings.TENANT_SCHEMA_PROVISIONER = f"{__name__}.broken_provisioner"
    client = public_client(superuser)
    response = client.post(ADD, _tenant_form(schema_name="adm_broken", name="Broken"))
    assert response.status_code == 302
    assert response["Location"] == ADD + "?schema_name=adm_broken&name=Broken"
    page = client.get(response["Location"])
    assert "Creating the tenant failed while provisioning its schema, and nothing was saved" in page.content.decode()
    assert 'value="adm_broken"' in page.content.decode()
    assert not Client.objects.filter(schema_name="adm_broken").exists()
    assert not schema_exists("adm_broken")


def test_delete_confirmation_names_the_schema_drop(superuser, public_client, monkeypatch):
    tenant = Client.objects.create(schema_name="adm_del", name="Doomed")
    client = public_client(superuser)
    url = f"/admin/customers/client/{tenant.pk}/delete/"
    page = client.get(url).content.decode()
    assert "The schema “adm_del” and all its data will be dropped." in page
    monkeypatch.setattr(Client, "auto_drop_schema", False)
    page = client.get(url).content.decode()
    assert "The schema “adm_del” and its data will be kept" in page
    monkeypatch.setattr(Client, "auto_drop_schema", True)
    bulk = client.post(
        "/admin/customers/client/", {"action": "delete_selected", "_selected_action": [tenant.pk]}
    ).content.decode()
    assert "The schema “adm_del” and all its data will be dropped." in bulk
    client.post(url, {"post": "yes"})
    assert not Client.objects.filter(pk=tenant.pk).exists()
    assert not schema_exists("adm_del")


def test_public_tenant_cannot_be_deleted(superuser, public_client):
    public = get_tenant_model().objects.create(schema_name="public", slug="www")
    client = public_client(superuser)
    assert client.get(f"/admin/customers/client/{public.pk}/delete/").status_code == 403
    client.post(
        "/admin/customers/client/", {"action": "delete_selected", "_selected_action": [public.pk], "post": "yes"}
    )
    assert get_tenant_model().objects.filter(pk=public.pk).exists()


def test_rename_schema_keeps_data(two_tenants, superuser, public_client):
    tenant = Client.objects.create(schema_name="adm_old", name="Renamed")
    with tenant_context(tenant):
        Note.objects.create(title="survives")
    client = public_client(superuser)
    change = client.get(f"/admin/customers/client/{tenant.pk}/change/").content.decode()
    assert f"/admin/customers/client/{tenant.pk}/rename/" in change
    response = client.post(f"/admin/customers/client/{tenant.pk}/rename/", {"schema_name": "adm_a"})
    assert "Another tenant already uses" in response.content.decode() or "already exists" in response.content.decode()
    response = client.post(f"/admin/customers/client/{tenant.pk}/rename/", {"schema_name": "adm_renamed"}, follow=True)
    assert "Schema “adm_old” was renamed to “adm_renamed”." in _messages(response)
    tenant = Client.objects.get(pk=tenant.pk)
    assert tenant.schema_name == "adm_renamed"
    assert not schema_exists("adm_old")
    with tenant_context(tenant):
        assert list(Note.objects.values_list("title", flat=True)) == ["survives"]


def test_rename_form_refuses_the_template_schema_name(two_tenants, superuser, public_client):
    tenant = Client.objects.create(schema_name="adm_tpl")
    response = public_client(superuser).post(
        f"/admin/customers/client/{tenant.pk}/rename/", {"schema_name": "_pg_tenants_template"}
    )
    assert "is reserved" in response.content.decode()
    assert Client.objects.get(pk=tenant.pk).schema_name == "adm_tpl"


def test_deactivate_action(two_tenants, superuser, public_client):
    tenant = Client.objects.create(schema_name="adm_off")
    response = public_client(superuser).post(
        "/admin/customers/client/", {"action": "deactivate", "_selected_action": [tenant.pk]}, follow=True
    )
    assert "1 tenant(s) deactivated; their data is kept." in _messages(response)
    assert not Client.objects.get(pk=tenant.pk).is_active


def test_domain_admin_lists_and_searches(two_tenants, superuser, public_client):
    Domain.objects.create(domain="acme.example", tenant=two_tenants[0])
    Domain.objects.create(domain="bravo.example", tenant=two_tenants[1])
    page = public_client(superuser).get("/admin/customers/domain/?q=acme").content.decode()
    assert "acme.example" in page and "bravo.example" not in page


def test_rename_schema_from_the_model():
    tenant = Client.objects.create(schema_name="adm_plain")
    with tenant_context(tenant):
        Note.objects.create(title="kept")
    tenant.rename_schema("adm_plain2")
    assert Client.objects.get(pk=tenant.pk).schema_name == "adm_plain2"
    assert not schema_exists("adm_plain") and schema_exists("adm_plain2")
    with tenant_context(Client.objects.get(pk=tenant.pk)):
        assert Note.objects.get().title == "kept"
