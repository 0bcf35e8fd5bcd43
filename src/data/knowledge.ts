/**
 * Knowledge base data access: the input rules, document filters, similarity search, ingestion.
 *
 * knowledge_chunks.embedding is vector(1536) where the server has pgvector (HNSW cosine index) and
 * real[] elsewhere; `gateway.vector_enabled()` says which. Embeddings therefore travel only through
 * SQL that works on both: written as real[] (pgvector casts real[] to vector on assignment) and read
 * as `embedding::real[]` (a cast both types accept). Search picks one of two statements that rank
 * identically: pgvector's `<=>` (so the HNSW index serves ORDER BY ... LIMIT) or the exact cosine
 * computed over the arrays.
 */
import { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import type { DataContext } from "./context.ts";
import { EMBEDDING_DIMENSIONS } from "../lib/embedding.ts";
import { allOf, text } from "../lib/filters.ts";
import { httpUrl, nonEmpty, nonNegativeInt, z } from "../lib/validation.ts";
import { loaderFor } from "./loaders.ts";

export const MAX_SEARCH_LIMIT = 50;
/** What one ingestion may write: also the caps of a document's chunks and metadata lists. */
export const MAX_INGEST_CHUNKS = 1000;
export const MAX_METADATA_ENTRIES = 100;
// HNSW candidate list: at least the largest page, so one pass can fill it.
const HNSW_EF_SEARCH = 100;
const FLOAT4_MAX = 3.4028234663852886e38;

/**
 * An embedding: exactly 1536 finite numbers within float4 range, not all zero (cosine is undefined
 * for the zero vector). Values are rounded to float4 here, as the column stores them, so both search
 * paths and every insert see the very same numbers.
 */
export const embeddingSchema = z
  .array(z.number())
  .superRefine((values, issue) => {
    if (values.length !== EMBEDDING_DIMENSIONS) {
      issue.addIssue({ code: "custom", message: `must have exactly ${EMBEDDING_DIMENSIONS} numbers (got ${values.length})` });
      return;
    }
    // One message for the first bad value, not 1536.
    const bad = values.findIndex((v) => !Number.isFinite(v) || Math.abs(v) > FLOAT4_MAX);
    if (bad >= 0) issue.addIssue({ code: "custom", path: [bad], message: "must be a finite number within ±3.4e38" });
  })
  .transform((values) => values.map(Math.fround))
  .refine((values) => values.some((v) => v !== 0), "must not be the zero vector");

/** A metadata key/value as a filter gives it: documents must have every pair. */
const metadataPair = z.object({ key: z.string(), value: z.string() });

export const searchFilter = z.object({ source: z.string().nullish(), metadata: z.array(metadataPair).nullish() });
export const documentFilter = searchFilter.extend({ search: z.string().nullish() });
export type DocumentFilter = z.infer<typeof documentFilter>;

/** Prisma filter for documents: source, every given metadata pair, literal title search (D9). */
export function documentWhere(filter: DocumentFilter | null | undefined): Prisma.KnowledgeDocumentWhereInput {
  return allOf<Prisma.KnowledgeDocumentWhereInput>([
    { source: text(filter?.source, "equals", { caseSensitive: true }) },
    ...(filter?.metadata ?? []).map(({ key, value }) => ({ metadata: { some: { key, value } } })),
    { title: text(filter?.search, "contains") },
  ]);
}

export const searchLimit = z.number().int("must be an integer").min(1, "must be ≥ 1").max(MAX_SEARCH_LIMIT, `must be ≤ ${MAX_SEARCH_LIMIT}`);
export const minSimilarity = z.number().min(-1, "must be ≥ -1").max(1, "must be ≤ 1");

/** searchChunks' arguments, each checked by its rule above (embedding by embeddingSchema). */
export interface SearchArgs {
  embedding: z.infer<typeof embeddingSchema>;
  limit: z.infer<typeof searchLimit>;
  minSimilarity?: z.infer<typeof minSimilarity> | null;
  filter?: z.infer<typeof searchFilter> | null;
}

export interface SearchHit {
  chunkId: string;
  documentId: string;
  similarity: number;
}

/** Whether knowledge_chunks.embedding is a pgvector column here, and whether pgvector has iterative index scans (0.8+). */
export async function vectorSupport(db: Db): Promise<{ enabled: boolean; iterativeScan: boolean }> {
  const [row] = await db.$queryRaw<{ enabled: boolean; version: string | null }[]>`
    SELECT gateway.vector_enabled() AS enabled, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS version`;
  const [major = 0, minor = 0] = (row?.version ?? "0.0").split(".").map(Number);
  return { enabled: row?.enabled === true, iterativeScan: major > 0 || minor >= 8 };
}

/** Conditions on chunk `c` from the document filter (EXISTS, so index scans on chunks stay usable). */
function chunkFilters(filter: SearchArgs["filter"]): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filter?.source) {
    conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM knowledge_documents d WHERE d.id = c.document_id AND d.source = ${filter.source})`);
  }
  for (const { key, value } of filter?.metadata ?? []) {
    conditions.push(
      Prisma.sql`EXISTS (SELECT 1 FROM knowledge_metadata m WHERE m.document_id = c.document_id AND m.key = ${key} AND m.value = ${value})`,
    );
  }
  return conditions;
}

/**
 * The search statement. Both variants return at most `limit` chunks with similarity = 1 − cosine
 * distance, best first, ties broken by chunk id.
 */
export function searchSql(vector: boolean, args: SearchArgs): Prisma.Sql {
  const where = Prisma.join([Prisma.sql`c.embedding IS NOT NULL`, ...chunkFilters(args.filter)], " AND ");
  const minimum = args.minSimilarity ?? null;
  if (vector) {
    const query = Prisma.sql`${args.embedding}::real[]::vector`;
    // The inner ORDER BY <=> ... LIMIT is the shape the HNSW index serves. The similarity threshold
    // is applied to those top rows: the same result as filtering first, since it is monotone in the
    // distance, without making the index walk past rows it would then drop.
    return Prisma.sql`
      SELECT id::text AS "chunkId", document_id::text AS "documentId", 1 - distance AS similarity
      FROM (
        SELECT c.id, c.document_id, c.embedding <=> ${query} AS distance
        FROM knowledge_chunks c
        WHERE ${where}
        ORDER BY c.embedding <=> ${query}
        LIMIT ${args.limit}
      ) top
      -- NaN (a stored zero vector) equals only NaN in PostgreSQL; the real[] variant drops those rows too.
      WHERE distance <> 'NaN'::float8 ${minimum === null ? Prisma.empty : Prisma.sql`AND 1 - distance >= ${minimum}`}
      ORDER BY distance, id`;
  }
  // Exact cosine in double precision; unnest(a, b) pairs the two arrays element by element.
  return Prisma.sql`
    SELECT c.id::text AS "chunkId", c.document_id::text AS "documentId", s.similarity
    FROM knowledge_chunks c
    CROSS JOIN LATERAL (
      SELECT sum(e.a::float8 * e.b::float8)
             / nullif(sqrt(sum(e.a::float8 * e.a::float8) * sum(e.b::float8 * e.b::float8)), 0) AS similarity
      FROM unnest(c.embedding, ${args.embedding}::real[]) AS e(a, b)
    ) s
    WHERE ${where} AND s.similarity IS NOT NULL ${minimum === null ? Prisma.empty : Prisma.sql`AND s.similarity >= ${minimum}`}
    ORDER BY s.similarity DESC, c.id
    LIMIT ${args.limit}`;
}

/** Ranked chunks most similar to the embedding. Must run inside a transaction (ctx.db). */
export async function searchChunks(db: Db, args: SearchArgs): Promise<SearchHit[]> {
  const vector = await vectorSupport(db);
  if (vector.enabled) {
    // Transaction-local: a candidate list as long as the largest page and, from pgvector 0.8, keep
    // scanning the index when filters drop candidates (still in exact distance order), so filtered
    // searches fill their page. Older pgvector refuses the unknown hnsw.* setting, hence the check.
    await db.$queryRaw`SELECT set_config('hnsw.ef_search', ${String(HNSW_EF_SEARCH)}, true),
      CASE WHEN ${vector.iterativeScan} THEN set_config('hnsw.iterative_scan', 'strict_order', true) END`;
  }
  const rows = await db.$queryRaw<SearchHit[]>(searchSql(vector.enabled, args));
  return rows.map((r) => ({ ...r, similarity: Number(r.similarity) }));
}

const present = z.string().refine((s) => s.trim().length > 0, "must not be empty");

export const ingestInput = z.object({
  title: nonEmpty.pipe(z.string().max(1000, "must be at most 1000 characters")),
  source: nonEmpty.pipe(z.string().max(200, "must be at most 200 characters")),
  sourceUrl: httpUrl.nullish(),
  content: present,
  metadata: z
    .array(
      z.object({
        key: nonEmpty.pipe(z.string().max(200, "must be at most 200 characters")),
        value: z.string().max(10_000, "must be at most 10000 characters"),
      }),
    )
    .max(MAX_METADATA_ENTRIES, `must have at most ${MAX_METADATA_ENTRIES} entries`)
    .superRefine((entries, issue) => {
      const seen = new Map<string, number>();
      entries.forEach((e, i) => {
        if (seen.has(e.key))
          issue.addIssue({ code: "custom", path: [i, "key"], message: `duplicates entry ${seen.get(e.key)}: keys are unique per document` });
        else seen.set(e.key, i);
      });
    }),
  /** In document order; an embedding may be absent for a chunk not embedded yet. */
  chunks: z
    .array(z.object({ content: present, tokenCount: nonNegativeInt, embedding: embeddingSchema.nullish() }))
    .max(MAX_INGEST_CHUNKS, `must have at most ${MAX_INGEST_CHUNKS} chunks`),
});
export type IngestInput = z.infer<typeof ingestInput>;

/** Inserts a document with its metadata and chunks (chunk_index = position in `chunks`); returns its id. */
export async function ingestDocument(db: Db, input: IngestInput): Promise<string> {
  const document = await db.knowledgeDocument.create({
    data: {
      title: input.title,
      source: input.source,
      sourceUrl: input.sourceUrl ?? null,
      content: input.content,
      metadata: { createMany: { data: input.metadata } },
    },
    select: { id: true },
  });
  if (input.chunks.length > 0) {
    // Embeddings go as real[] literals in one text[] parameter: a 2-D array cannot be unnested into rows of arrays.
    const embeddings = input.chunks.map((c) => (c.embedding ? `{${c.embedding.join(",")}}` : null));
    await db.$executeRaw`
      INSERT INTO knowledge_chunks (document_id, chunk_index, content, token_count, embedding)
      SELECT ${document.id}::uuid, t.ord - 1, t.content, t.token_count, t.embedding::real[]
      FROM unnest(${input.chunks.map((c) => c.content)}::text[], ${input.chunks.map((c) => c.tokenCount)}::int[], ${embeddings}::text[])
        WITH ORDINALITY AS t(content, token_count, embedding, ord)`;
  }
  return document.id;
}

/** Deletes a document (chunks and metadata cascade); null when it does not exist. */
export async function deleteDocument(db: Db, id: string): Promise<{ id: string; deletedChunks: number } | null> {
  // CTEs share one snapshot: the count sees the chunks the cascade is about to remove.
  const [row] = await db.$queryRaw<{ deleted: number; chunks: number }[]>`
    WITH counted AS (SELECT count(*)::int AS chunks FROM knowledge_chunks WHERE document_id = ${id}::uuid),
         removed AS (DELETE FROM knowledge_documents WHERE id = ${id}::uuid RETURNING id)
    SELECT (SELECT count(*)::int FROM removed) AS deleted, (SELECT chunks FROM counted) AS chunks`;
  return row && row.deleted > 0 ? { id, deletedChunks: row.chunks } : null;
}

/** Per request: whether each chunk has an embedding, one statement for all chunks asked about. */
export function hasEmbeddingLoader(ctx: DataContext) {
  return loaderFor<string, boolean>(ctx, "knowledge.hasEmbedding", async (ids) => {
    const rows = await ctx.db.$queryRaw<{ id: string; has: boolean }[]>`
      SELECT id::text AS id, embedding IS NOT NULL AS has FROM knowledge_chunks WHERE id = ANY(${[...ids]}::uuid[])`;
    const found = new Map(rows.map((r) => [r.id, r.has]));
    return ids.map((id) => found.get(id) ?? false);
  });
}

/** Per request: the embeddings of the chunks asked about, as float arrays (null when absent). */
export function embeddingLoader(ctx: DataContext) {
  return loaderFor<string, number[] | null>(ctx, "knowledge.embedding", async (ids) => {
    const rows = await ctx.db.$queryRaw<{ id: string; embedding: number[] | null }[]>`
      SELECT id::text AS id, embedding::real[] AS embedding FROM knowledge_chunks WHERE id = ANY(${[...ids]}::uuid[])`;
    const found = new Map(rows.map((r) => [r.id, r.embedding]));
    return ids.map((id) => found.get(id) ?? null);
  });
}
