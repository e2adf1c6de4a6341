-- pg_tenants_claim_spare(prefix, dst): rename a free spare schema to dst; its "app.name" migrations, or NULL.
-- A spare is claimed under a transaction-level advisory lock on its name, so two sign-ups at once never
-- take the same one: a spare locked by another transaction is skipped, one renamed by a transaction that
-- has committed since the loop began no longer exists and is skipped too. Only schemas that carry the
-- spare comment are candidates, whatever their name.
CREATE OR REPLACE FUNCTION {ns}.pg_tenants_claim_spare(prefix text, dst text)
RETURNS text[] LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  r record;
  applied text[];
BEGIN
  FOR r IN
    SELECT n.nspname FROM pg_namespace n
    WHERE starts_with(n.nspname, prefix) AND obj_description(n.oid, 'pg_namespace') = {comment}
    ORDER BY n.nspname
  LOOP
    CONTINUE WHEN NOT pg_try_advisory_xact_lock({lock_class}, hashtext(r.nspname));
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = r.nspname
                              AND obj_description(n.oid, 'pg_namespace') = {comment});
    EXECUTE format('ALTER SCHEMA %I RENAME TO %I', r.nspname, dst);
    EXECUTE format('COMMENT ON SCHEMA %I IS NULL', dst);
    IF to_regclass(format('%I.django_migrations', dst)) IS NOT NULL THEN
      EXECUTE format('SELECT array_agg(app || ''.'' || name) FROM %I.django_migrations', dst) INTO applied;
    END IF;
    RETURN coalesce(applied, '{}');
  END LOOP;
  RETURN NULL;
END
$fn$;
