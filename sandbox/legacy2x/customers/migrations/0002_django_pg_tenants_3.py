# The move of the tenant table from django-pg-tenants 2.x to 3.0 (docs/guides/from-2x.md).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import pg_tenants.core.validation
from pg_tenants.core.compat.upgrade import UpgradeTenantRows


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        # 3.0's tenant columns; slug is unique only once every row has one.
        migrations.AddField(
            model_name="client",
            name="slug",
            field=models.CharField(blank=True, default="", max_length=63),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="client",
            name="tenant_type",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Selects the urlconf in TENANT_URLCONFS; blank uses ROOT_URLCONF.",
                max_length=50,
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="is_active",
            field=models.BooleanField(default=True, help_text="Inactive tenants are not served."),
        ),
        migrations.AddField(
            model_name="client",
            name="created_on",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="client",
            name="schema_name",
            field=models.CharField(
                help_text="PostgreSQL schema holding this tenant's tables. Cannot be changed once saved.",
                max_length=63,
                unique=True,
                validators=[pg_tenants.core.validation.validate_tenant_schema_name],
            ),
        ),
        # Where domain_url goes.
        migrations.CreateModel(
            name="Domain",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "domain",
                    models.CharField(
                        help_text="Host name, stored normalised: lower case, no port, punycode for IDN.",
                        max_length=253,
                        unique=True,
                    ),
                ),
                ("is_primary", models.BooleanField(db_index=True, default=True)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="domains", to="customers.client"
                    ),
                ),
            ],
            options={
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_primary", True)),
                        fields=("tenant",),
                        name="customers_domain_one_primary_per_tenant",
                    )
                ],
            },
        ),
        # Nullable, so that going back can add the column before filling it.
        migrations.AlterField(
            model_name="client",
            name="domain_url",
            field=models.CharField(max_length=128, null=True, unique=True),
        ),
        # Lowercase schema names, slugs, domain_url -> primary Domain rows (and www. aliases).
        UpgradeTenantRows("customers", "Client", "Domain", www_aliases=True),
        migrations.AlterField(
            model_name="client",
            name="slug",
            field=models.CharField(
                blank=True,
                help_text="DNS label used by the subdomain, header and path resolvers; derived from the "
                "schema name when left blank.",
                max_length=63,
                unique=True,
                validators=[pg_tenants.core.validation.validate_slug],
            ),
        ),
        migrations.RemoveField(
            model_name="client",
            name="domain_url",
        ),
    ]
