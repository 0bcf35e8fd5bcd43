-- Embeddings for knowledge_chunks. Where the server offers pgvector (Supabase, the embedded
-- PGlite default) the column is vector(1536) with an HNSW cosine index; elsewhere (a stock
-- PostgreSQL such as CI's) it is real[] and similarity search computes cosine exactly in SQL.
-- Either way the same migration history applies; gateway.vector_enabled() tells which one ran.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION IF NOT EXISTS vector;
    ALTER TABLE public.knowledge_chunks ADD COLUMN "embedding" vector(1536);
    CREATE INDEX "idx_knowledge_chunks_embedding_hnsw" ON public.knowledge_chunks
      USING hnsw ("embedding" vector_cosine_ops);
  ELSE
    ALTER TABLE public.knowledge_chunks ADD COLUMN "embedding" real[];
    ALTER TABLE public.knowledge_chunks ADD CONSTRAINT "knowledge_chunks_embedding_dims_check"
      CHECK ("embedding" IS NULL OR cardinality("embedding") = 1536);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION gateway.vector_enabled() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT format_type(atttypid, atttypmod) LIKE 'vector%'
  FROM pg_attribute
  WHERE attrelid = 'public.knowledge_chunks'::regclass AND attname = 'embedding'
$$;
GRANT EXECUTE ON FUNCTION gateway.vector_enabled() TO service_role;
