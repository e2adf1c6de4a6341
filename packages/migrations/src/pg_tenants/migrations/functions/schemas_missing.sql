-- pg_tenants_schemas_missing(schemas, expected): each schema lacking some "app.name" of expected, with the
-- ones it lacks in expected's order (NULL: no django_migrations table at all).
CREATE OR REPLACE FUNCTION {ns}.pg_tenants_schemas_missing(schemas text[], expected text[])
RETURNS TABLE(schema_name text, missing text[]) LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  s text;
BEGIN
  FOREACH s IN ARRAY schemas LOOP
    schema_name := s;
    IF to_regclass(format('%I.django_migrations', s)) IS NULL THEN
      missing := NULL;  -- no history at all: the caller migrates it the slow way
      RETURN NEXT;
    ELSE
      EXECUTE format('SELECT array_agg(e.key ORDER BY e.ord) FROM unnest($1) WITH ORDINALITY AS e(key, ord) '
                     'WHERE NOT EXISTS (SELECT 1 FROM %I.django_migrations m '
                     'WHERE m.app = split_part(e.key, ''.'', 1) '
                     'AND m.name = substr(e.key, length(split_part(e.key, ''.'', 1)) + 2))', s)
        INTO missing USING expected;
      IF missing IS NOT NULL THEN
        RETURN NEXT;
      END IF;
    END IF;
  END LOOP;
END
$fn$;
