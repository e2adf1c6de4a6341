"""The public sign-up form: one form, one new tenant."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from pg_tenants.core.validation import InvalidSchemaName, validate_schema_name, validate_slug
from pg_tenants.migrations.conf import migration_settings

from .models import Client

#: Sub-domains a customer may not take.
RESERVED_SLUGS = frozenset({"www", "admin", "public", "static", "media", "api", "mail", "t"})


class SignupForm(forms.Form):
    """Company name, the sub-domain it wants, and its first user."""

    name = forms.CharField(label="Company name", max_length=100)
    slug = forms.SlugField(
        label="Address",
        max_length=40,
        help_text="Lowercase letters, digits and hyphens; starts with a letter.",
    )
    username = forms.CharField(label="Your user name", max_length=150)
    email = forms.EmailField(label="Email")
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].lower()
        validate_slug(slug)
        if not slug[0].isalpha():
            raise ValidationError("Start the address with a letter.")
        if slug in RESERVED_SLUGS:
            raise ValidationError(f"{slug!r} is reserved; choose another address.")
        try:
            validate_schema_name(self.schema_name_for(slug))
        except InvalidSchemaName as exc:
            raise ValidationError(exc.messages[0]) from None
        if self.schema_name_for(slug) == migration_settings.TENANT_TEMPLATE_SCHEMA_NAME:
            raise ValidationError(f"{slug!r} is reserved; choose another address.")
        if (
            Client.objects.filter(slug=slug).exists()
            or Client.objects.filter(schema_name=self.schema_name_for(slug)).exists()
        ):
            raise ValidationError(f"{slug!r} is taken; choose another address.")
        return slug

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            try:
                validate_password(password)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned

    @staticmethod
    def schema_name_for(slug: str) -> str:
        """``acme-corp`` lives in schema ``acme_corp``."""
        return slug.replace("-", "_")
