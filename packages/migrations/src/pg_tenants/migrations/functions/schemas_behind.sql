-- pg_tenants_schemas_behind(schemas, expected): each schema lacking some "app.name" of expected, with how
-- many it lacks (-1: no django_migrations table at all).
CREATE OR REPLACE FUNCTION {ns}.pg_tenants_schemas_behind(schemas text[], expected text[])
RETURNS TABLE(schema_name text, missing integer) LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  s text;
  n integer;
BEGIN
  FOREACH s IN ARRAY schemas LOOP
    IF to_regclass(format('%I.django_migrations', s)) IS NULL THEN
      schema_name := s;
      missing := -1;
      RETURN NEXT;
    ELSE
      EXECUTE format('SELECT count(*) FROM unnest($1) AS e(key) WHERE NOT EXISTS '
                     '(SELECT 1 FROM %I.django_migrations m WHERE m.app = split_part(e.key, ''.'', 1) '
                     'AND m.name = substr(e.key, length(split_part(e.key, ''.'', 1)) + 2))', s)
        INTO n USING expected;
      IF n > 0 THEN
        schema_name := s;
        missing := n;
        RETURN NEXT;
      END IF;
    END IF;
  END LOOP;
END
$fn$;
