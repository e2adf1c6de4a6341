"""The public site: a home page and the sign-up that provisions a tenant."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from pg_tenants.core import tenant_context
from pg_tenants.core.conf import tenant_settings

from .forms import SignupForm
from .links import site_url
from .models import Client, Domain


def home(request: HttpRequest) -> HttpResponse:
    """The marketing page, with links to every customer's site."""
    clients = Client.objects.filter(is_active=True).exclude(schema_name=tenant_settings.PUBLIC_SCHEMA_NAME)
    sites = [(client, site_url(client)) for client in clients]
    return render(request, "customers/home.html", {"sites": sites, "form": SignupForm()})


def signup(request: HttpRequest) -> HttpResponse:
    """Create a customer: its row, its schema, its domain and its first user, all or nothing."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            # Saving a new tenant creates and fills its schema in this transaction.
            client = Client.objects.create(
                schema_name=form.schema_name_for(data["slug"]),
                slug=data["slug"],
                name=data["name"],
                contact_email=data["email"],
            )
            Domain.objects.create(tenant=client, domain=f"{client.slug}.localhost", is_primary=True)
            with tenant_context(client):
                # The tenant's own user table: this account exists only on this site.
                get_user_model().objects.create_user(
                    username=data["username"], email=data["email"], password=data["password"]
                )
        return HttpResponseRedirect(site_url(client, "/login/") + "?welcome=1")
    return render(request, "customers/signup.html", {"form": form})
