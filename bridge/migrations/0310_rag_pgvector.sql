-- pgvector, only where the extension is available (Neon has it; a plain local Postgres may not).
-- Without it nothing happens here and the bridge searches vectors in memory (numpy, exact).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS vector;
            EXECUTE 'ALTER TABLE rag_passages ADD COLUMN IF NOT EXISTS embedding_vec vector(384)';
            EXECUTE 'CREATE INDEX IF NOT EXISTS rag_passages_embedding_vec_idx '
                    'ON rag_passages USING hnsw (embedding_vec vector_ip_ops)';
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pgvector not enabled (%); vectors are searched in memory', SQLERRM;
        END;
    ELSE
        RAISE NOTICE 'pgvector is not available; vectors are searched in memory';
    END IF;
END
$$;
