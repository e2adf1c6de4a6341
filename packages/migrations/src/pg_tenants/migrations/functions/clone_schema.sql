-- pg_tenants_clone_schema(src, dst, with_data): a copy of schema src named dst, in one round trip.
-- Returns the "app.name" migrations dst has recorded, or NULL (nothing made) when src does not exist.
-- DDL text is generated while search_path holds only src, so names inside src print unqualified and
-- shared ones qualified; it runs while search_path holds only dst, so the unqualified names land in dst.
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
  funcs text[] := '{}';
  defaults text[] := '{}';
  constraints text[] := '{}';
  views text[] := '{}';
  indexes text[] := '{}';
  fkeys text[] := '{}';
  triggers text[] := '{}';
  -- Citus takes a foreign key to a reference table only as an ALTER TABLE of its own.
  one_fk_per_statement boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus');
  inline jsonb := '{}';
  applied text[];
BEGIN
  SELECT oid INTO src_oid FROM pg_namespace WHERE nspname = src;
  IF src_oid IS NULL THEN
    RETURN NULL;
  END IF;
  src_re := regexp_replace(src_q, '([.^$*+?()\[\]{}|\\])', '\\\1', 'g');
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
      array_agg(format('ADD CONSTRAINT %I %s', con.conname, pg_get_constraintdef(con.oid)) ORDER BY con.oid)
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
    IF r.fks IS NOT NULL AND one_fk_per_statement THEN
      FOREACH s IN ARRAY r.fks LOOP
        fkeys := fkeys || format('ALTER TABLE %I %s', r.relname, s);
      END LOOP;
    ELSIF r.fks IS NOT NULL THEN
      fkeys := fkeys || format('ALTER TABLE %I %s', r.relname, array_to_string(r.fks, ', '));
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
  RETURN coalesce(applied, '{}');
END
$fn$;
