-- Lookup indexes for FerretDB's tables, in its database (run by up.sh as `postgres` on every start;
-- idempotent).
--
-- FerretDB keeps a document in a jsonb column `_jsonb` and gives each MongoDB index a btree index on
-- the fields' expressions, (_jsonb -> 'f'). But it asks PostgreSQL for an equality on a field as
-- containment, (_jsonb -> 'f') @> value, which a btree cannot answer: every find, count, update and
-- delete by a field, `_id` included, read the whole table. A GIN index (jsonb_path_ops) on the same
-- expressions answers containment. So each btree index FerretDB creates gets a GIN companion, named
-- after it with `_gin` appended, and loses it when FerretDB drops it. The companions are built
-- without a pending list (fastupdate = off): after a bulk insert every lookup would read through
-- the entries not yet merged into the index.
-- (postgresql.conf sets plan_cache_mode = force_custom_plan: FerretDB passes the field name as a
-- parameter, and only a plan made for its value matches the index's expression.)

-- notify_lookup_index(btree index): creates its GIN companion over the keys that are paths into
-- _jsonb, (_jsonb -> 'a') or ((_jsonb -> 'a') -> 'b'); a nested path is written (_jsonb #> '{a,b}'),
-- as FerretDB queries it. Other indexes are left alone.
CREATE OR REPLACE FUNCTION public.notify_lookup_index(index_oid oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  idx record;
  key_def text;
  path text[];
  keys text[] := '{}';
BEGIN
  SELECT ic.relname AS index_name, n.nspname AS schema_name, tc.relname AS table_name,
         am.amname AS method, i.indnkeyatts AS key_count
    INTO idx
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class tc ON tc.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    JOIN pg_am am ON am.oid = ic.relam
   WHERE i.indexrelid = index_oid;
  IF NOT FOUND OR idx.method <> 'btree' THEN
    RETURN;
  END IF;

  FOR k IN 1..idx.key_count LOOP
    key_def := pg_get_indexdef(index_oid, k, true);
    CONTINUE WHEN key_def !~ $re$^\(+_jsonb -> '([^']|'')*'::text\)( -> '([^']|'')*'::text\))*$$re$;
    path := ARRAY(SELECT replace(m[1], '''''', '''')
                    FROM regexp_matches(key_def, $re$-> '((?:[^']|'')*)'::text$re$, 'g') AS m);
    IF cardinality(path) = 1 THEN
      keys := keys || format('(_jsonb -> %L) jsonb_path_ops', path[1]);
    ELSE
      keys := keys || format('(_jsonb #> %L) jsonb_path_ops', path);
    END IF;
  END LOOP;

  IF cardinality(keys) > 0 THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin (%s) WITH (fastupdate = off)',
                   left(idx.index_name, 59) || '_gin', idx.schema_name, idx.table_name,
                   array_to_string(keys, ', '));
  END IF;
END
$fn$;

-- A failure here must never fail FerretDB's own command: it is reported as a warning instead.
CREATE OR REPLACE FUNCTION public.notify_lookup_index_created() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    BEGIN
      PERFORM public.notify_lookup_index(cmd.objid);
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'no lookup index for index %: %', cmd.objid, SQLERRM;
    END;
  END LOOP;
END
$fn$;

-- Only indexes dropped by name: a dropped table (collection) takes its indexes with it.
CREATE OR REPLACE FUNCTION public.notify_lookup_index_dropped() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  obj record;
BEGIN
  FOR obj IN SELECT schema_name, object_name FROM pg_event_trigger_dropped_objects()
              WHERE object_type = 'index' AND original AND object_name !~ '_gin$' LOOP
    BEGIN
      EXECUTE format('DROP INDEX IF EXISTS %I.%I', obj.schema_name, left(obj.object_name, 59) || '_gin');
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'lookup index of %.% not dropped: %', obj.schema_name, obj.object_name, SQLERRM;
    END;
  END LOOP;
END
$fn$;

-- The triggers, created once; tables made before them get their companions then.
DO $do$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_event_trigger WHERE evtname = 'notify_lookup_index_created') THEN
    CREATE EVENT TRIGGER notify_lookup_index_created ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
      EXECUTE FUNCTION public.notify_lookup_index_created();
    PERFORM public.notify_lookup_index(i.indexrelid)
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = ic.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');
  END IF;
  IF NOT EXISTS (SELECT FROM pg_event_trigger WHERE evtname = 'notify_lookup_index_dropped') THEN
    CREATE EVENT TRIGGER notify_lookup_index_dropped ON sql_drop WHEN TAG IN ('DROP INDEX')
      EXECUTE FUNCTION public.notify_lookup_index_dropped();
  END IF;
END
$do$;
