-- pg_tenants_replay(schemas, path_tail, plan): one migration plan's generated SQL applied to many schemas.
-- One subtransaction per migration per schema: a failing migration rolls back to the last good one in
-- that schema (as Django's atomic migrations do), the schema is reported with its error, and the next
-- schema goes on.
CREATE OR REPLACE FUNCTION {ns}.pg_tenants_replay(schemas text[], path_tail text, plan jsonb)
RETURNS TABLE(schema_name text, applied integer, error text, seconds double precision)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  saved_path text := current_setting('search_path');
  s text;
  m jsonb;
  st text;
  rec jsonb;
  started timestamptz;
BEGIN
  FOREACH s IN ARRAY schemas LOOP
    started := clock_timestamp();
    schema_name := s;
    applied := 0;
    error := NULL;
    PERFORM set_config('search_path', quote_ident(s) || path_tail, true);
    FOR m IN SELECT value FROM jsonb_array_elements(plan) LOOP
      BEGIN
        FOR st IN SELECT value FROM jsonb_array_elements_text(m->'sql') LOOP
          EXECUTE st;
        END LOOP;
        FOR rec IN SELECT value FROM jsonb_array_elements(m->'record') LOOP
          EXECUTE format('INSERT INTO %I.django_migrations (app, name, applied) VALUES ($1, $2, $3)', s)
            USING rec->>0, rec->>1, clock_timestamp();
        END LOOP;
        applied := applied + 1;
      EXCEPTION WHEN OTHERS THEN
        error := format('%s: %s (SQLSTATE %s)', m->>'name', SQLERRM, SQLSTATE);
      END;
      EXIT WHEN error IS NOT NULL;
    END LOOP;
    seconds := extract(epoch FROM clock_timestamp() - started);
    RETURN NEXT;
  END LOOP;
  PERFORM set_config('search_path', saved_path, true);
END
$fn$;
