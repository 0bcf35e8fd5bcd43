/**
 * Knowledge base for retrieval-augmented agents (tables knowledge_documents, knowledge_chunks,
 * knowledge_metadata), service_role only: documents with key/value metadata, chunks with 1536-dim
 * embeddings, cosine similarity search, and all-or-nothing ingestion.
 */
import { queryFromInfo } from "@pothos/plugin-prisma";
import { access, builder } from "./builder.ts";
import { guardedList, guardedRelation, orderInput, tableById, tableConnection, visibleWhere } from "./common.ts";
import { countArgBound, listBound } from "./bounds.ts";
import { notFound } from "../errors.ts";
import { EMBEDDING_DIMENSIONS } from "../lib/embedding.ts";
import {
  deleteDocument,
  documentFilter,
  documentWhere,
  embeddingLoader,
  embeddingSchema,
  hasEmbeddingLoader,
  ingestDocument,
  ingestInput,
  MAX_INGEST_CHUNKS,
  MAX_METADATA_ENTRIES,
  MAX_SEARCH_LIMIT,
  minSimilarity,
  searchChunks,
  searchFilter,
  searchLimit,
} from "../data/knowledge.ts";

export const KnowledgeDocument = builder.prismaObject("KnowledgeDocument", {
  description: "A source document of the knowledge base (table knowledge_documents).",
  authScopes: access("knowledge_documents"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    title: t.exposeString("title"),
    source: t.exposeString("source", { description: "Where it came from, e.g. support_markdown or shopify_catalog." }),
    sourceUrl: t.exposeString("sourceUrl", { nullable: true }),
    content: t.exposeString("content"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    chunks: guardedList(t, "chunks", "knowledge_chunks", MAX_INGEST_CHUNKS, {
      description: "The document's chunks in order (chunkIndex 0, 1, …).",
      query: { orderBy: [{ chunkIndex: "asc" }] },
    }),
    chunkCount: t.relationCount("chunks", { authScopes: access("knowledge_chunks"), unauthorizedResolver: () => 0 }),
    metadata: guardedList(t, "metadata", "knowledge_metadata", MAX_METADATA_ENTRIES, {
      description: "Metadata as key/value pairs, by key.",
      query: { orderBy: [{ key: "asc" }] },
    }),
    metadataObject: t.field({
      type: "JSON",
      description: 'The same metadata as one JSON object, e.g. {"category": "shipping"}.',
      authScopes: access("knowledge_metadata"),
      unauthorizedResolver: () => ({}),
      select: { metadata: { select: { key: true, value: true } } },
      resolve: (document) => Object.fromEntries(document.metadata.map((m) => [m.key, m.value])),
    }),
  }),
});

export const KnowledgeChunk = builder.prismaObject("KnowledgeChunk", {
  description: "A chunk of a document with its embedding (table knowledge_chunks). The raw vector is returned only when asked for.",
  authScopes: access("knowledge_chunks"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    documentId: t.expose("documentId", { type: "UUID" }),
    chunkIndex: t.exposeInt("chunkIndex", { description: "Position within the document, from 0." }),
    content: t.exposeString("content"),
    tokenCount: t.exposeInt("tokenCount"),
    hasEmbedding: t.boolean({
      description: "Whether the chunk has an embedding (only embedded chunks are found by searchKnowledge).",
      resolve: (chunk, _args, ctx) => hasEmbeddingLoader(ctx).load(chunk.id),
    }),
    embedding: t.floatList({
      nullable: true,
      // vector(1536), or checked on write (embeddingSchema) where the server lacks pgvector.
      ...listBound(EMBEDDING_DIMENSIONS),
      description: `The ${EMBEDDING_DIMENSIONS} numbers of the embedding (float4 precision), or null. Large: ask only when needed.`,
      resolve: (chunk, _args, ctx) => embeddingLoader(ctx).load(chunk.id),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    document: guardedRelation(t, "document", "knowledge_documents"),
  }),
});

builder.prismaObject("KnowledgeMetadata", {
  name: "KnowledgeMetadataEntry",
  description: "One metadata key/value of a document (table knowledge_metadata); keys are unique per document.",
  authScopes: access("knowledge_metadata"),
  fields: (t) => ({ key: t.exposeString("key"), value: t.exposeString("value") }),
});

const MetadataInput = builder.inputType("KnowledgeMetadataInput", {
  description: "A metadata key and its value. As a filter, documents must have every pair given.",
  fields: (t) => ({ key: t.string({ required: true }), value: t.string({ required: true }) }),
});

const DocumentFilter = builder
  .inputType("KnowledgeDocumentFilter", {
    fields: (t) => ({
      source: t.string({ required: false }),
      metadata: t.field({ type: [MetadataInput], required: false, description: "Every pair must match (e.g. category = shipping)." }),
      search: t.string({ required: false, description: "Case-insensitive match on the title." }),
    }),
  })
  .validate(documentFilter);

const SearchFilter = builder
  .inputType("KnowledgeSearchFilter", {
    fields: (t) => ({
      source: t.string({ required: false }),
      metadata: t.field({ type: [MetadataInput], required: false, description: "The chunk's document must have every pair." }),
    }),
  })
  .validate(searchFilter);

const documentOrder = orderInput("KnowledgeDocument", { CREATED_AT: "createdAt", UPDATED_AT: "updatedAt", TITLE: "title" }, "CREATED_AT");

const KnowledgeSearchHit = builder.simpleObject("KnowledgeSearchHit", {
  description: "A chunk found by searchKnowledge.",
  fields: (t) => ({
    similarity: t.float({ description: "Cosine similarity, 1 − cosine distance: 1 = same direction, 0 = unrelated, −1 = opposite." }),
    chunk: t.field({ type: KnowledgeChunk }),
    document: t.field({ type: KnowledgeDocument }),
  }),
});

builder.queryFields((t) => ({
  knowledgeDocuments: tableConnection(t, {
    table: "knowledge_documents",
    type: "KnowledgeDocument",
    description: "Knowledge documents, newest first by default.",
    args: { filter: t.arg({ type: DocumentFilter, required: false }), orderBy: t.arg({ type: documentOrder.input, required: false }) },
    where: (args) => documentWhere(args.filter),
    orderBy: (args) => documentOrder.toPrisma(args.orderBy),
  }),
  knowledgeDocument: tableById(t, { table: "knowledge_documents", type: "KnowledgeDocument", description: "One document by id." }),
  searchKnowledge: t.field({
    type: [KnowledgeSearchHit],
    ...countArgBound("limit", 10, MAX_SEARCH_LIMIT),
    description:
      `Chunks most similar to a query embedding (${EMBEDDING_DIMENSIONS} numbers, same model as the stored ones), best first, ` +
      "with similarity = 1 − cosine distance. Uses the HNSW index where the database has pgvector and an exact scan elsewhere; both rank alike.",
    authScopes: access("knowledge_chunks"),
    args: {
      embedding: t.arg.floatList({ required: true, validate: embeddingSchema }),
      limit: t.arg.int({ required: false, defaultValue: 10, validate: searchLimit, description: `At most ${MAX_SEARCH_LIMIT}.` }),
      minSimilarity: t.arg.float({ required: false, validate: minSimilarity, description: "Drop chunks less similar than this (−1 to 1)." }),
      filter: t.arg({ type: SearchFilter, required: false }),
    },
    resolve: async (_root, args, ctx, info) => {
      const hits = await searchChunks(ctx.db, { ...args, limit: args.limit ?? 10 });
      if (hits.length === 0) return [];
      // Load the chunks and documents with exactly the fields (and nested relations) the query selects.
      const [chunks, documents] = await Promise.all([
        ctx.db.knowledgeChunk.findMany({
          ...queryFromInfo({ context: ctx, info, typeName: "KnowledgeChunk", path: ["chunk"] }),
          where: visibleWhere(ctx, "knowledge_chunks", { id: { in: hits.map((h) => h.chunkId) } }),
        }),
        ctx.db.knowledgeDocument.findMany({
          ...queryFromInfo({ context: ctx, info, typeName: "KnowledgeDocument", path: ["document"] }),
          where: visibleWhere(ctx, "knowledge_documents", { id: { in: [...new Set(hits.map((h) => h.documentId))] } }),
        }),
      ]);
      const chunkById = new Map(chunks.map((c) => [c.id, c]));
      const documentById = new Map(documents.map((d) => [d.id, d]));
      return hits.map((h) => ({ similarity: h.similarity, chunk: chunkById.get(h.chunkId)!, document: documentById.get(h.documentId)! }));
    },
  }),
}));

// Mutations (service_role: the ingestion pipeline). The input rules are the data layer's (ingestInput).

const ChunkInput = builder.inputType("KnowledgeChunkInput", {
  fields: (t) => ({
    content: t.string({ required: true }),
    tokenCount: t.int({ required: false, defaultValue: 0 }),
    embedding: t.floatList({ required: false, description: `${EMBEDDING_DIMENSIONS} numbers; omit for a chunk not embedded yet.` }),
  }),
});

const IngestInput = builder
  .inputType("IngestKnowledgeDocumentInput", {
    fields: (t) => ({
      title: t.string({ required: true }),
      source: t.string({ required: true }),
      sourceUrl: t.string({ required: false }),
      content: t.string({ required: true }),
      metadata: t.field({ type: [MetadataInput], required: false, defaultValue: [] }),
      chunks: t.field({ type: [ChunkInput], required: false, defaultValue: [], description: "In document order: the first gets chunkIndex 0." }),
    }),
  })
  .validate(ingestInput);

const DeletedDocument = builder.simpleObject("DeleteKnowledgeDocumentPayload", {
  fields: (t) => ({
    id: t.field({ type: "UUID" }),
    deletedChunks: t.int({ description: "Chunks removed with it (metadata goes too)." }),
  }),
});

builder.mutationFields((t) => ({
  ingestKnowledgeDocument: t.prismaField({
    type: "KnowledgeDocument",
    description: "Stores a document with its metadata and chunks, all or nothing. Chunk indexes follow the order given.",
    authScopes: access("knowledge_chunks", "insert"),
    args: { input: t.arg({ type: IngestInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const id = await ingestDocument(ctx.db, input);
      return ctx.db.knowledgeDocument.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  deleteKnowledgeDocument: t.field({
    type: DeletedDocument,
    description: "Deletes a document with its chunks and metadata.",
    authScopes: access("knowledge_documents", "delete"),
    args: { id: t.arg({ type: "UUID", required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const deleted = await deleteDocument(ctx.db, id);
      if (!deleted) throw notFound("KnowledgeDocument", id);
      return deleted;
    },
  }),
}));
