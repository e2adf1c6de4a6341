"""The PL/pgSQL functions the package installs in the public schema.

``pg_tenants_clone_schema(src, dst)`` copies a schema in one round trip;
``pg_tenants_schemas_behind(schemas, expected)`` answers "which schemas lack
some of these migrations" in one round trip, and
``pg_tenants_schemas_missing(schemas, expected)`` names them;
``pg_tenants_replay(schemas, path_tail, plan)`` applies one migration plan's
generated SQL to many schemas in one round trip (see :mod:`.replay`), and
``pg_tenants_claim_spare(prefix, dst)`` renames a ready-made spare copy of the
template to a new tenant's name (see :mod:`.spares`). They are
installed (and upgraded) by this app's own migrations, into ``PUBLIC_SCHEMA_NAME``.

How the clone keeps references right: DDL text is generated from the catalog
while ``search_path`` holds only the source schema, so PostgreSQL prints names
inside the source unqualified and everything else (``public``) qualified. The
text is then executed with ``search_path`` holding only the new schema, so the
unqualified names land in the new schema while foreign keys to shared tables
keep pointing at ``public``.
"""

from __future__ import annotations

from pg_tenants.core.validation import quote_identifier

#: Bumped whenever a function's body changes; a migration of this app re-installs them.
FUNCTIONS_VERSION = 3

#: The comment that marks a schema as a spare copy of the template (see :mod:`.spares`).
SPARE_COMMENT = "pg_tenants spare schema"

#: First key of the advisory locks on spare schemas (the second is ``hashtext(name)``).
SPARE_LOCK_CLASS = 0x70677370  # "pgsp"

_CLONE = r"""
CREATE OR REPLACE FUNCTION {ns}.pg_tenants_clone_schema(src text, dst text, with_data boolean DEFAULT true)
RETURNS text[] LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  saved_path text := current_setting('search_path');
  saved_bodies text := current_setting('check_function_bodies');
  src_oid oid;
  src_q text := quote_ident(src);
  src_re text;
  dst_q text := quote_ident(dst);
  r record;
  s text;
  cols text;
  lv bigint;
  called boolean;
  dst_seq text;
  funcs text[] := '{{}}';
  defaults text[] := '{{}}';
  constraints text[] := '{{}}';
  views text[] := '{{}}';
  indexes text[] := '{{}}';
  fkeys text[] := '{{}}';
  triggers text[] := '{{}}';
  inline jsonb := '{{}}';
  applied text[];
BEGIN
  SELECT oid INTO src_oid FROM pg_namespace WHERE nspname = src;
  IF src_oid IS NULL THEN
    RETURN NULL;
  END IF;
  src_re := regexp_replace(src_q, '([.^$*+?()\[\]{{}}|\\])', '\\\1', 'g');
  EXECUTE format('CREATE SCHEMA %I', dst);

  -- Phase 1: generate DDL text with only the source schema visible.
  PERFORM set_config('search_path', src_q, true);

  FOR r IN
    SELECT p.oid FROM pg_proc p
    WHERE p.pronamespace = src_oid AND p.prokind IN ('f', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')
    ORDER BY p.oid
  LOOP
    funcs := funcs || regexp_replace(pg_get_functiondef(r.oid),
      '^(CREATE OR REPLACE (FUNCTION|PROCEDURE) )' || src_re || '\.', '\1' || dst_q || '.');
  END LOOP;

  -- One ALTER TABLE per table for its defaults, one for its foreign keys, and
  -- the other constraints inline in CREATE TABLE: fewer statements, same catalog.
  FOR r IN
    SELECT c.relname, string_agg(format('ALTER COLUMN %I SET DEFAULT %s', a.attname,
                                        pg_get_expr(ad.adbin, ad.adrelid)), ', ' ORDER BY a.attnum) AS alters
    FROM pg_attrdef ad
    JOIN pg_class c ON c.oid = ad.adrelid
    JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
    WHERE c.relnamespace = src_oid AND c.relkind IN ('r', 'p') AND a.attgenerated = '' AND NOT a.attisdropped
    GROUP BY c.oid, c.relname ORDER BY c.oid
  LOOP
    defaults := defaults || format('ALTER TABLE %I %s', r.relname, r.alters);
  END LOOP;

  FOR r IN
    SELECT c.oid, c.relname,
      string_agg(format('CONSTRAINT %I %s', con.conname, pg_get_constraintdef(con.oid)), ', '
                 ORDER BY CASE con.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 ELSE 3 END, con.oid)
        FILTER (WHERE con.contype <> 'f' AND pg_get_constraintdef(con.oid) NOT LIKE '%NOT VALID') AS inline,
      string_agg(format('ADD CONSTRAINT %I %s', con.conname, pg_get_constraintdef(con.oid)), ', ' ORDER BY con.oid)
        FILTER (WHERE con.contype <> 'f' AND pg_get_constraintdef(con.oid) LIKE '%NOT VALID') AS later,
      string_agg(format('ADD CONSTRAINT %I %s', con.conname, pg_get_constraintdef(con.oid)), ', ' ORDER BY con.oid)
        FILTER (WHERE con.contype = 'f') AS fks
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
    WHERE c.relnamespace = src_oid AND c.relkind IN ('r', 'p') AND con.contype IN ('p', 'u', 'c', 'x', 'f')
      AND con.conislocal
    GROUP BY c.oid, c.relname
  LOOP
    inline := inline || jsonb_build_object(r.oid::text, r.inline);
    IF r.later IS NOT NULL THEN
      constraints := constraints || format('ALTER TABLE %I %s', r.relname, r.later);
    END IF;
    IF r.fks IS NOT NULL THEN
      fkeys := fkeys || format('ALTER TABLE %I %s', r.relname, r.fks);
    END IF;
  END LOOP;

  FOR r IN
    SELECT c.relname, c.relkind, pg_get_viewdef(c.oid) AS def
    FROM pg_class c WHERE c.relnamespace = src_oid AND c.relkind IN ('v', 'm')
    ORDER BY c.oid
  LOOP
    IF r.relkind = 'v' THEN
      views := views || format('CREATE VIEW %I AS %s', r.relname, r.def);
    ELSE
      views := views || format('CREATE MATERIALIZED VIEW %I AS %s', r.relname, rtrim(r.def, ';'));
    END IF;
  END LOOP;

  FOR r IN
    SELECT pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
    WHERE c.relnamespace = src_oid AND c.relkind IN ('r', 'p', 'm')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid)
    ORDER BY i.indexrelid
  LOOP
    indexes := indexes || regexp_replace(r.def, ' ON (ONLY )?' || src_re || '\.', ' ON \1' || dst_q || '.');
  END LOOP;

  FOR r IN
    SELECT pg_get_triggerdef(t.oid) AS def
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace = src_oid AND NOT t.tgisinternal
    ORDER BY t.oid
  LOOP
    triggers := triggers || regexp_replace(r.def, ' ON ' || src_re || '\.', ' ON ' || dst_q || '.');
  END LOOP;

  -- Phase 2: build the copy with only the new schema visible.
  PERFORM set_config('search_path', dst_q, true);
  PERFORM set_config('check_function_bodies', 'off', true);

  FOREACH s IN ARRAY funcs LOOP EXECUTE s; END LOOP;

  -- Free-standing and serial sequences (identity sequences come with their tables).
  FOR r IN
    SELECT c.relname, format_type(sq.seqtypid, NULL) AS typ, sq.*
    FROM pg_class c JOIN pg_sequence sq ON sq.seqrelid = c.oid
    WHERE c.relnamespace = src_oid AND c.relkind = 'S'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'i')
    ORDER BY c.oid
  LOOP
    EXECUTE format('CREATE SEQUENCE %I.%I AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %s',
      dst, r.relname, r.typ, r.seqincrement, r.seqmin, r.seqmax, r.seqstart, r.seqcache,
      CASE WHEN r.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END);
  END LOOP;

  FOR r IN
    SELECT c.oid, c.relname, c.relpersistence FROM pg_class c
    WHERE c.relnamespace = src_oid AND c.relkind = 'r' AND NOT c.relispartition
    ORDER BY c.oid
  LOOP
    EXECUTE format('CREATE %sTABLE %I.%I (LIKE %I.%I INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE '
                   'INCLUDING COMMENTS INCLUDING COMPRESSION%s)',
      CASE WHEN r.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, dst, r.relname, src, r.relname,
      coalesce(', ' || (inline ->> r.oid::text), ''));
  END LOOP;

  FOREACH s IN ARRAY defaults LOOP EXECUTE s; END LOOP;

  -- Sequences owned by a column (serial) and identity sequences: same owner, name and position.
  FOR r IN
    SELECT seq.relname AS seqname, tab.relname AS tabname, a.attname, d.deptype,
           format_type(sq.seqtypid, NULL) AS typ, sq.*
    FROM pg_depend d
    JOIN pg_class seq ON seq.oid = d.objid AND seq.relkind = 'S'
    JOIN pg_sequence sq ON sq.seqrelid = seq.oid
    JOIN pg_class tab ON tab.oid = d.refobjid
    JOIN pg_attribute a ON a.attrelid = tab.oid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND seq.relnamespace = src_oid AND tab.relnamespace = src_oid
  LOOP
    IF r.deptype = 'a' THEN
      EXECUTE format('ALTER SEQUENCE %I.%I OWNED BY %I.%I.%I', dst, r.seqname, dst, r.tabname, r.attname);
    ELSE
      dst_seq := pg_get_serial_sequence(format('%I.%I', dst, r.tabname), r.attname);
      IF dst_seq IS DISTINCT FROM format('%I.%I', dst, r.seqname) THEN
        EXECUTE format('ALTER SEQUENCE %s RENAME TO %I', dst_seq, r.seqname);
      END IF;
      -- LIKE makes identity sequences bigint-typed whatever the source said.
      EXECUTE format('ALTER SEQUENCE %I.%I AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %s',
        dst, r.seqname, r.typ, r.seqincrement, r.seqmin, r.seqmax, r.seqstart, r.seqcache,
        CASE WHEN r.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END);
    END IF;
  END LOOP;

  IF with_data THEN
    FOR r IN
      SELECT c.oid, c.relname FROM pg_class c
      WHERE c.relnamespace = src_oid AND c.relkind = 'r' AND NOT c.relispartition
      ORDER BY c.oid
    LOOP
      SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
      FROM pg_attribute a
      WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
      IF cols IS NOT NULL THEN
        EXECUTE format('INSERT INTO %I.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %I.%I',
          dst, r.relname, cols, cols, src, r.relname);
      END IF;
    END LOOP;
    FOR r IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = src_oid AND c.relkind = 'S' LOOP
      EXECUTE format('SELECT last_value, is_called FROM %I.%I', src, r.relname) INTO lv, called;
      PERFORM setval(format('%I.%I', dst, r.relname)::regclass, lv, called);
    END LOOP;
  END IF;

  FOREACH s IN ARRAY constraints LOOP EXECUTE s; END LOOP;
  FOREACH s IN ARRAY views LOOP EXECUTE s; END LOOP;
  FOREACH s IN ARRAY indexes LOOP EXECUTE s; END LOOP;
  FOREACH s IN ARRAY fkeys LOOP EXECUTE s; END LOOP;
  FOREACH s IN ARRAY triggers LOOP EXECUTE s; END LOOP;

  IF to_regclass(format('%I.django_migrations', dst)) IS NOT NULL THEN
    EXECUTE format('SELECT array_agg(app || ''.'' || name) FROM %I.django_migrations', dst) INTO applied;
  END IF;

  PERFORM set_config('check_function_bodies', saved_bodies, true);
  PERFORM set_config('search_path', saved_path, true);
  RETURN coalesce(applied, '{{}}');
END
$fn$;
"""

_BEHIND = r"""
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
"""


_MISSING = r"""
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
"""

# One subtransaction per migration per schema: a failing migration rolls back
# to the last good one in that schema (as Django's atomic migrations do), the
# schema is reported with its error, and the next schema goes on.
_REPLAY = r"""
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
"""


# A spare is claimed under a transaction-level advisory lock on its name, so two
# sign-ups at once never take the same one: a spare locked by another
# transaction is skipped, one renamed by a transaction that has committed since
# the loop began no longer exists and is skipped too. Only schemas that carry
# the spare comment are candidates, whatever their name.
_CLAIM = r"""
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
    RETURN coalesce(applied, '{{}}');
  END LOOP;
  RETURN NULL;
END
$fn$;
"""


def install_functions_sql(public_schema: str) -> list[str]:
    """The statements that (re)install the functions in ``public_schema``."""
    ns = quote_identifier(public_schema)
    claim = _CLAIM.format(ns=ns, comment=f"'{SPARE_COMMENT}'", lock_class=SPARE_LOCK_CLASS)
    return [_CLONE.format(ns=ns), _BEHIND.format(ns=ns), _MISSING.format(ns=ns), _REPLAY.format(ns=ns), claim]


def uninstall_functions_sql(public_schema: str) -> list[str]:
    """The statements that remove the functions (for reversing this app's migration)."""
    ns = quote_identifier(public_schema)
    return [
        f"DROP FUNCTION IF EXISTS {ns}.pg_tenants_clone_schema(text, text, boolean)",
        f"DROP FUNCTION IF EXISTS {ns}.pg_tenants_schemas_behind(text[], text[])",
        *uninstall_replay_functions_sql(public_schema),
        *uninstall_spare_functions_sql(public_schema),
    ]


def uninstall_replay_functions_sql(public_schema: str) -> list[str]:
    """The statements that remove the functions added in version 2."""
    ns = quote_identifier(public_schema)
    return [
        f"DROP FUNCTION IF EXISTS {ns}.pg_tenants_schemas_missing(text[], text[])",
        f"DROP FUNCTION IF EXISTS {ns}.pg_tenants_replay(text[], text, jsonb)",
    ]


def uninstall_spare_functions_sql(public_schema: str) -> list[str]:
    """The statements that remove the function added in version 3."""
    return [f"DROP FUNCTION IF EXISTS {quote_identifier(public_schema)}.pg_tenants_claim_spare(text, text)"]
