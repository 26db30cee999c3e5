-- The funding schema. Its tables arrive with the funding issue; this first version only labels the schema.
DO $$
BEGIN
    EXECUTE format('COMMENT ON SCHEMA %I IS %L', current_schema(), 'CoE Workflows: funding service');
END
$$;
