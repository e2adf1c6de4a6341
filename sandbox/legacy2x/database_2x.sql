-- The database of a small django-pg-tenants 2.x project (module tenant_schemas,
-- sandbox/legacy2x/before_2x/) as 2.x's migrate_schemas and TenantMixin.save()
-- left it, on Django 3.2:
--
-- * public: django_migrations, the shared apps' tables (contenttypes, the
--   tenant table customers_client with domain_url and schema_name);
-- * one schema per tenant, created without quotes (CREATE SCHEMA Globex made
--   "globex" while the row keeps 'Globex', which 2.x allowed), holding
--   django_migrations and the tenant apps' tables (contenttypes, shop);
-- * Django's migrate recorded every migration of its plan in every schema,
--   even those the TenantSyncRouter skipped there;
-- * PG_EXTRA_SEARCH_PATHS = ["extensions"]: a schema of shared functions.
--
-- Written by hand from the migrations in sandbox/legacy2x/*/migrations/0001_initial.py
-- and Django 3.2's DDL for them (serial keys, named constraints).

CREATE SCHEMA extensions;
CREATE FUNCTION extensions.shout(words text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT upper(words) || '!' $$;

SET search_path = public;

CREATE TABLE django_migrations (
    id serial NOT NULL PRIMARY KEY,
    app varchar(255) NOT NULL,
    name varchar(255) NOT NULL,
    applied timestamp with time zone NOT NULL
);
CREATE TABLE django_content_type (
    id serial NOT NULL PRIMARY KEY,
    app_label varchar(100) NOT NULL,
    model varchar(100) NOT NULL,
    CONSTRAINT django_content_type_app_label_model_76bd3d3b_uniq UNIQUE (app_label, model)
);
CREATE TABLE customers_client (
    id bigserial NOT NULL PRIMARY KEY,
    domain_url varchar(128) NOT NULL UNIQUE,
    schema_name varchar(63) NOT NULL UNIQUE,
    name varchar(100) NOT NULL
);
CREATE INDEX customers_client_domain_url_5a1bbd04_like ON customers_client (domain_url varchar_pattern_ops);
CREATE INDEX customers_client_schema_name_7a5f9c5e_like ON customers_client (schema_name varchar_pattern_ops);

INSERT INTO django_migrations (app, name, applied) VALUES
    ('contenttypes', '0001_initial', '2021-06-01 09:00:00+00'),
    ('contenttypes', '0002_remove_content_type_name', '2021-06-01 09:00:01+00'),
    ('customers', '0001_initial', '2021-06-01 09:00:02+00'),
    ('shop', '0001_initial', '2021-06-01 09:00:03+00');
INSERT INTO django_content_type (app_label, model) VALUES
    ('contenttypes', 'contenttype'), ('customers', 'client'), ('shop', 'product');
INSERT INTO customers_client (domain_url, schema_name, name) VALUES
    ('example.com', 'public', 'Example'),
    ('acme.example.com', 'acme', 'Acme'),
    ('globex.example.com', 'Globex', 'Globex');

CREATE SCHEMA Acme;
CREATE SCHEMA Globex;

-- What migrate_schemas did in each tenant schema (search_path = <tenant>, public).
DO $do$
DECLARE
    tenant text;
BEGIN
    FOREACH tenant IN ARRAY ARRAY['acme', 'globex'] LOOP
        EXECUTE format($sql$
            CREATE TABLE %1$I.django_migrations (
                id serial NOT NULL PRIMARY KEY,
                app varchar(255) NOT NULL,
                name varchar(255) NOT NULL,
                applied timestamp with time zone NOT NULL
            );
            CREATE TABLE %1$I.django_content_type (
                id serial NOT NULL PRIMARY KEY,
                app_label varchar(100) NOT NULL,
                model varchar(100) NOT NULL,
                CONSTRAINT django_content_type_app_label_model_76bd3d3b_uniq UNIQUE (app_label, model)
            );
            CREATE TABLE %1$I.shop_product (
                id bigserial NOT NULL PRIMARY KEY,
                name varchar(100) NOT NULL
            );
            INSERT INTO %1$I.django_migrations (app, name, applied) VALUES
                ('contenttypes', '0001_initial', '2021-06-01 09:05:00+00'),
                ('contenttypes', '0002_remove_content_type_name', '2021-06-01 09:05:01+00'),
                ('customers', '0001_initial', '2021-06-01 09:05:02+00'),
                ('shop', '0001_initial', '2021-06-01 09:05:03+00');
            INSERT INTO %1$I.django_content_type (app_label, model) VALUES
                ('contenttypes', 'contenttype'), ('customers', 'client'), ('shop', 'product');
        $sql$, tenant);
    END LOOP;
END
$do$;

INSERT INTO acme.shop_product (name) VALUES ('Anvil'), ('Rocket skates');
INSERT INTO globex.shop_product (name) VALUES ('Doomsday device');
