-- Manual passages for /query_hybrid (BM25 + dense). Vectors are float32 little-endian in bytea:
-- loaded into numpy for exact local search; pgvector (0310) and Pinecone are optional extras.

CREATE TABLE IF NOT EXISTS rag_documents (
    doc_id        text PRIMARY KEY,
    source_path   text NOT NULL,
    source        text NOT NULL,
    title         text NOT NULL,
    model         text,
    year_from     integer,
    year_to       integer,
    kind          text,
    file_sha256   text NOT NULL,
    passage_count integer NOT NULL DEFAULT 0,
    ingested_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS rag_passages (
    passage_id      text PRIMARY KEY,
    doc_id          text NOT NULL REFERENCES rag_documents (doc_id) ON DELETE CASCADE,
    ordinal         integer NOT NULL,
    section_path    text[] NOT NULL,
    section_id      text NOT NULL,
    page            integer,
    body            text NOT NULL,
    content_hash    text NOT NULL,
    embedding       bytea,
    embedding_model text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS rag_passages_doc_idx ON rag_passages (doc_id, ordinal);

-- Bumped by every ingest that changed something; searchers reload when it moves.
CREATE TABLE IF NOT EXISTS rag_state (
    id         integer PRIMARY KEY CHECK (id = 1),
    generation bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO rag_state (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
