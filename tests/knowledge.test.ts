// The knowledge base through the real gateway, on both embedding column types: pgvector (embedded
// PGlite, HNSW index) and real[] (the PostgreSQL server, exact cosine in SQL). The same documents go
// into both; searches must rank alike and agree with cosine similarity computed here.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_BUDGETS } from "../src/config.ts";
import { searchSql } from "../src/data/knowledge.ts";
import { EMBEDDING_DIMENSIONS } from "../src/lib/embedding.ts";
import { embedText } from "../src/db/seed/embedding.ts";
import { startTestGateway, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, createVectorTestDatabase, type TestDatabase } from "./support/test-database.ts";

// ───────────── deterministic vectors with a known ranking ─────────────

function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}
const unit = (v: number[]) => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};
const noise = (seed: number) => {
  const next = random(seed);
  return unit(Array.from({ length: EMBEDDING_DIMENSIONS }, next));
};
/** A vector whose cosine similarity to `base` (a unit vector) is about `target`. */
const near = (base: number[], target: number, seed: number) => {
  const n = noise(seed);
  return base.map((x, i) => target * x + Math.sqrt(1 - target * target) * n[i]);
};
/** Cosine similarity at float4 precision of the inputs, as the database stores them. */
const cosine = (a: number[], b: number[]) => {
  const fa = a.map(Math.fround);
  const fb = b.map(Math.fround);
  const dot = fa.reduce((s, x, i) => s + x * fb[i], 0);
  return dot / (Math.hypot(...fa) * Math.hypot(...fb));
};

const QUERY = noise(1);
// Chunk contents name their expected rank; similarities are well apart, so any correct cosine agrees.
const CHUNKS = {
  shipping: [
    { content: "rank1 shipping times", embedding: near(QUERY, 0.95, 11) },
    { content: "rank4 shipping carriers", embedding: near(QUERY, 0.6, 12) },
    { content: "unembedded shipping note", embedding: null },
  ],
  returns: [
    { content: "rank2 returns window", embedding: near(QUERY, 0.85, 21) },
    { content: "rank5 returns labels", embedding: near(QUERY, 0.3, 22) },
  ],
  catalog: [
    { content: "rank3 catalog fittings", embedding: near(QUERY, 0.7, 31) },
    { content: "rank6 catalog opposite", embedding: near(QUERY, -0.5, 32) },
  ],
};

const INGEST = /* GraphQL */ `
  mutation Ingest($input: IngestKnowledgeDocumentInput!) {
    ingestKnowledgeDocument(input: $input) {
      id
      title
      source
      sourceUrl
      content
      chunkCount
      metadata {
        key
        value
      }
      metadataObject
      chunks {
        id
        chunkIndex
        content
        tokenCount
        hasEmbedding
        documentId
      }
    }
  }
`;

const SEARCH = /* GraphQL */ `
  query Search($embedding: [Float!]!, $limit: Int, $minSimilarity: Float, $filter: KnowledgeSearchFilter) {
    searchKnowledge(embedding: $embedding, limit: $limit, minSimilarity: $minSimilarity, filter: $filter) {
      similarity
      chunk {
        id
        content
        chunkIndex
        document {
          title
        }
      }
      document {
        id
        title
        source
        metadataObject
      }
    }
  }
`;

function documentInput(category: keyof typeof CHUNKS, source: string) {
  return {
    title: `${category[0].toUpperCase()}${category.slice(1)} guide`,
    source,
    sourceUrl: `https://hotrodan.com/pages/${category}`,
    content: `All about ${category}.`,
    metadata: [
      { key: "category", value: category },
      { key: "language", value: "en" },
    ],
    chunks: CHUNKS[category].map((c, i) => ({ content: c.content, tokenCount: 10 + i, embedding: c.embedding })),
  };
}

interface Target {
  name: string;
  db: TestDatabase;
  gateway: TestGateway;
  vector: boolean;
  ids: Record<string, string>;
}

const targets: Target[] = [];

beforeAll(async () => {
  const [server, embedded] = await Promise.all([createTestDatabase(), createVectorTestDatabase()]);
  for (const [name, db] of [
    ["server", server],
    ["pglite", embedded],
  ] as const) {
    const gateway = await startTestGateway({ databaseUrl: db.url });
    const { rows } = await db.pool.query<{ enabled: boolean }>("select gateway.vector_enabled() as enabled");
    const target: Target = { name, db, gateway, vector: rows[0].enabled, ids: {} };
    for (const [category, source] of [
      ["shipping", "support_markdown"],
      ["returns", "support_markdown"],
      ["catalog", "shopify_catalog"],
    ] as const) {
      const res = await gateway.gql(INGEST, { input: documentInput(category, source) });
      expect(res.body.errors, `${name}: ingest ${category}`).toBeUndefined();
      target.ids[category] = res.body.data.ingestKnowledgeDocument.id;
    }
    targets.push(target);
  }
}, 180_000);

afterAll(async () => {
  for (const t of targets) {
    await t.gateway.close();
    await t.db.close();
  }
});

const each = (fn: (t: Target) => Promise<void>) => async () => {
  expect(targets).toHaveLength(2);
  for (const t of targets) await fn(t);
};

describe("the two embedding column types", () => {
  test("PGlite has pgvector (vector + HNSW); the suite compares it with the server's column type", async () => {
    const pglite = targets.find((t) => t.name === "pglite")!;
    expect(pglite.vector).toBe(true);
    const { rows } = await pglite.db.pool.query(
      "select indexdef from pg_indexes where tablename = 'knowledge_chunks' and indexdef ilike '%hnsw%vector_cosine_ops%'",
    );
    expect(rows).toHaveLength(1);
    // On the local/CI PostgreSQL 15 (no pgvector) the server side is the real[] fallback.
    const server = targets.find((t) => t.name === "server")!;
    if (server.db.kind === "server" && !server.vector) {
      const { rows: col } = await server.db.pool.query(
        "select format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = 'knowledge_chunks'::regclass and attname = 'embedding'",
      );
      expect(col[0].type).toBe("real[]");
    }
  });
});

describe("ingestKnowledgeDocument", () => {
  test(
    "stores the document, its metadata (as a list and as an object) and its chunks in the order given",
    each(async ({ gateway, ids }) => {
      const res = await gateway.gql(
        `query($id: UUID!) { knowledgeDocument(id: $id) {
        title source sourceUrl chunkCount metadata { key value } metadataObject
        chunks { chunkIndex content tokenCount hasEmbedding } } }`,
        { id: ids.shipping },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.knowledgeDocument).toEqual({
        title: "Shipping guide",
        source: "support_markdown",
        sourceUrl: "https://hotrodan.com/pages/shipping",
        chunkCount: 3,
        metadata: [
          { key: "category", value: "shipping" },
          { key: "language", value: "en" },
        ],
        metadataObject: { category: "shipping", language: "en" },
        chunks: [
          { chunkIndex: 0, content: "rank1 shipping times", tokenCount: 10, hasEmbedding: true },
          { chunkIndex: 1, content: "rank4 shipping carriers", tokenCount: 11, hasEmbedding: true },
          { chunkIndex: 2, content: "unembedded shipping note", tokenCount: 12, hasEmbedding: false },
        ],
      });
    }),
  );

  test(
    "embeddings round-trip at float4 precision on both column types",
    each(async ({ gateway, ids }) => {
      const res = await gateway.gql(`query($id: UUID!) { knowledgeDocument(id: $id) { chunks { embedding } } }`, { id: ids.returns });
      const stored = res.body.data.knowledgeDocument.chunks[0].embedding as number[];
      expect(stored).toHaveLength(EMBEDDING_DIMENSIONS);
      // PostgreSQL prints float4 as the shortest decimal that reads back to the same float4.
      expect(stored.map(Math.fround)).toEqual(CHUNKS.returns[0].embedding.map(Math.fround));
    }),
  );

  test(
    "is all or nothing: a chunk the database rejects leaves no document, metadata or chunk behind",
    each(async ({ gateway, db }) => {
      const count = async () =>
        (
          await db.pool.query(
            "select (select count(*) from knowledge_documents) + (select count(*) from knowledge_chunks) + (select count(*) from knowledge_metadata) as n",
          )
        ).rows[0].n;
      const before = await count();
      const input = documentInput("returns", "support_markdown");
      // PostgreSQL refuses NUL in text: the failure happens after the document row was inserted.
      input.chunks[1].content = "bad \u0000 chunk";
      const res = await gateway.gql(INGEST, { input });
      expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(res.body.data).toBeNull();
      expect(await count()).toBe(before);
    }),
  );

  test(
    "rejects invalid input naming the field and rule",
    each(async ({ gateway }) => {
      const cases: [unknown, RegExp][] = [
        [
          { ...documentInput("returns", "x"), chunks: [{ content: "c", embedding: [1, 2, 3] }] },
          /input\.chunks\[0\]\.embedding: must have exactly 1536 numbers \(got 3\)/,
        ],
        [
          { ...documentInput("returns", "x"), chunks: [{ content: "c", embedding: new Array(EMBEDDING_DIMENSIONS).fill(0) }] },
          /input\.chunks\[0\]\.embedding: must not be the zero vector/,
        ],
        [
          { ...documentInput("returns", "x"), chunks: [{ content: "c", embedding: QUERY.map((x, i) => (i === 7 ? 1e39 : x)) }] },
          /input\.chunks\[0\]\.embedding\[7\]: must be a finite number/,
        ],
        [{ ...documentInput("returns", "x"), chunks: [{ content: "   " }] }, /input\.chunks\[0\]\.content: must not be empty/],
        [{ ...documentInput("returns", "x"), chunks: [{ content: "c", tokenCount: -1 }] }, /input\.chunks\[0\]\.tokenCount: must be ≥ 0/],
        [
          {
            ...documentInput("returns", "x"),
            metadata: [
              { key: "a", value: "1" },
              { key: "a", value: "2" },
            ],
          },
          /input\.metadata\[1\]\.key: duplicates entry 0/,
        ],
        [{ ...documentInput("returns", "x"), title: " " }, /input\.title: must not be empty/],
        [{ ...documentInput("returns", "x"), sourceUrl: "javascript:alert(1)" }, /input\.sourceUrl: must be an http\(s\) URL/],
      ];
      for (const [input, message] of cases) {
        const res = await gateway.gql(INGEST, { input });
        expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
        expect(res.body.errors?.[0]?.message).toMatch(message);
      }
    }),
  );
});

describe("searchKnowledge", () => {
  const expected = Object.values(CHUNKS)
    .flat()
    .filter((c) => c.embedding)
    .map((c) => ({ content: c.content, similarity: cosine(QUERY, c.embedding!) }))
    .sort((a, b) => b.similarity - a.similarity);

  test("ranks chunks by cosine similarity, identically on pgvector and on real[]", async () => {
    const results = [];
    for (const t of targets) {
      const res = await t.gateway.gql(SEARCH, { embedding: QUERY, limit: 50 });
      expect(res.body.errors).toBeUndefined();
      results.push(res.body.data.searchKnowledge as { similarity: number; chunk: { content: string } }[]);
    }
    const [a, b] = results;
    expect(a.map((h) => h.chunk.content)).toEqual(expected.map((e) => e.content));
    expect(b.map((h) => h.chunk.content)).toEqual(a.map((h) => h.chunk.content));
    a.forEach((hit, i) => {
      expect(hit.similarity).toBeCloseTo(expected[i].similarity, 5);
      expect(b[i].similarity).toBeCloseTo(hit.similarity, 5);
    });
    // The unembedded chunk is never a hit; a negative similarity is a hit like any other.
    expect(a.map((h) => h.chunk.content)).not.toContain("unembedded shipping note");
    expect(a.at(-1)!.similarity).toBeLessThan(0);
  });

  test(
    "returns each hit's chunk and document with nested fields",
    each(async ({ gateway, ids }) => {
      const res = await gateway.gql(SEARCH, { embedding: QUERY, limit: 2 });
      expect(res.body.data.searchKnowledge.map((h: any) => [h.chunk.content, h.chunk.chunkIndex, h.chunk.document.title, h.document])).toEqual([
        [
          "rank1 shipping times",
          0,
          "Shipping guide",
          { id: ids.shipping, title: "Shipping guide", source: "support_markdown", metadataObject: { category: "shipping", language: "en" } },
        ],
        [
          "rank2 returns window",
          0,
          "Returns guide",
          { id: ids.returns, title: "Returns guide", source: "support_markdown", metadataObject: { category: "returns", language: "en" } },
        ],
      ]);
    }),
  );

  test(
    "no N+1: nested chunk and document fields cost the same number of statements for 1 hit as for 6",
    each(async ({ gateway }) => {
      const deep = `query($e: [Float!]!, $n: Int) { searchKnowledge(embedding: $e, limit: $n) {
        similarity
        chunk { content hasEmbedding document { title chunks { chunkIndex hasEmbedding } metadata { key } } }
        document { title chunkCount metadataObject chunks { content } }
      } }`;
      const statements = async (n: number) => {
        const before = gateway.database.statementCount();
        const res = await gateway.gql(deep, { e: QUERY, n });
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data.searchKnowledge).toHaveLength(n);
        return gateway.database.statementCount() - before;
      };
      expect(await statements(6)).toBe(await statements(1));
    }),
  );

  test(
    "limit, minSimilarity and the metadata and source filters narrow the ranking",
    each(async ({ gateway }) => {
      const contents = async (variables: Record<string, unknown>) => {
        const res = await gateway.gql(SEARCH, { embedding: QUERY, ...variables });
        expect(res.body.errors).toBeUndefined();
        return res.body.data.searchKnowledge.map((h: any) => h.chunk.content);
      };
      expect(await contents({ limit: 3 })).toEqual(["rank1 shipping times", "rank2 returns window", "rank3 catalog fittings"]);
      expect(await contents({ limit: 50, minSimilarity: 0.65 })).toEqual(["rank1 shipping times", "rank2 returns window", "rank3 catalog fittings"]);
      expect(await contents({ limit: 50, filter: { metadata: [{ key: "category", value: "returns" }] } })).toEqual([
        "rank2 returns window",
        "rank5 returns labels",
      ]);
      expect(
        await contents({
          limit: 50,
          filter: {
            metadata: [
              { key: "category", value: "returns" },
              { key: "language", value: "de" },
            ],
          },
        }),
      ).toEqual([]);
      expect(await contents({ limit: 50, filter: { source: "shopify_catalog" } })).toEqual(["rank3 catalog fittings", "rank6 catalog opposite"]);
      expect(await contents({ limit: 1, filter: { source: "support_markdown", metadata: [{ key: "category", value: "returns" }] } })).toEqual([
        "rank2 returns window",
      ]);
    }),
  );

  test(
    "a text embedding (the demo seeder's embedText) finds the chunk about the same words",
    each(async ({ gateway }) => {
      const input = {
        title: "Fuel pump install",
        source: "support_markdown",
        content: "How to install a fuel pump.",
        chunks: [
          {
            content: "Prime the fuel pump before the first start and check the fuel pressure regulator.",
            embedding: embedText("Prime the fuel pump before the first start and check the fuel pressure regulator."),
          },
          {
            content: "AN fittings seal with a flare, not with thread tape.",
            embedding: embedText("AN fittings seal with a flare, not with thread tape."),
          },
        ],
      };
      const ingest = await gateway.gql(INGEST, { input });
      expect(ingest.body.errors).toBeUndefined();
      const res = await gateway.gql(SEARCH, { embedding: embedText("fuel pressure regulator for my pump"), limit: 1, minSimilarity: 0.1 });
      expect(res.body.data.searchKnowledge[0].chunk.content).toMatch(/fuel pressure regulator/);
      await gateway.gql(`mutation($id: UUID!) { deleteKnowledgeDocument(id: $id) { id } }`, { id: ingest.body.data.ingestKnowledgeDocument.id });
    }),
  );

  test(
    "validates the query vector, limit and minSimilarity",
    each(async ({ gateway }) => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ embedding: [0.1, 0.2] }, /^embedding: must have exactly 1536 numbers \(got 2\)/],
        [{ embedding: new Array(EMBEDDING_DIMENSIONS).fill(0) }, /^embedding: must not be the zero vector/],
        [{ embedding: QUERY.map((x, i) => (i === 3 ? -1e39 : x)) }, /^embedding\[3\]: must be a finite number within ±3\.4e38/],
        [{ embedding: QUERY, limit: 51 }, /^limit: must be ≤ 50/],
        [{ embedding: QUERY, limit: 0 }, /^limit: must be ≥ 1/],
        [{ embedding: QUERY, minSimilarity: 1.5 }, /^minSimilarity: must be ≤ 1/],
      ];
      for (const [variables, message] of cases) {
        const res = await gateway.gql(SEARCH, variables);
        expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
        expect(res.body.errors?.[0]?.message).toMatch(message);
      }
    }),
  );

  test("the pgvector statement is the shape the HNSW index serves, filters included", async () => {
    const pglite = targets.find((t) => t.name === "pglite")!;
    const client = await pglite.db.pool.connect();
    try {
      await client.query("begin");
      // With a few rows a scan and a sort are cheaper (and with a selective filter the planner may rightly
      // prefer the metadata index); forbid them to see whether the HNSW index can serve the statement.
      await client.query("set local enable_seqscan = off");
      await client.query("set local enable_sort = off");
      for (const filter of [null, { source: "support_markdown", metadata: [{ key: "category", value: "returns" }] }]) {
        const sql = searchSql(true, { embedding: QUERY, limit: 5, minSimilarity: 0.2, filter });
        const plan = await client.query(`explain ${sql.text}`, sql.values);
        expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Index Scan using idx_knowledge_chunks_embedding_hnsw/);
      }
    } finally {
      await client.query("rollback");
      client.release();
    }
  });
});

describe("knowledgeDocuments and knowledgeDocument", () => {
  test(
    "filter by source, metadata and title; newest first; totalCount",
    each(async ({ gateway, ids }) => {
      const list = async (filter: Record<string, unknown> | null, orderBy?: Record<string, unknown>) => {
        const res = await gateway.gql(
          `query($filter: KnowledgeDocumentFilter, $orderBy: KnowledgeDocumentOrder) {
            knowledgeDocuments(filter: $filter, orderBy: $orderBy, first: 10) { totalCount edges { node { id title } } } }`,
          { filter, orderBy },
        );
        expect(res.body.errors).toBeUndefined();
        return res.body.data.knowledgeDocuments;
      };
      const all = await list(null);
      expect(all.totalCount).toBe(3);
      expect(all.edges.map((e: any) => e.node.id)).toEqual([ids.catalog, ids.returns, ids.shipping]);
      expect((await list({ source: "support_markdown" }, { field: "TITLE", direction: "ASC" })).edges.map((e: any) => e.node.title)).toEqual([
        "Returns guide",
        "Shipping guide",
      ]);
      expect((await list({ metadata: [{ key: "category", value: "catalog" }] })).edges.map((e: any) => e.node.id)).toEqual([ids.catalog]);
      expect(
        (
          await list({
            metadata: [
              { key: "category", value: "catalog" },
              { key: "language", value: "en" },
            ],
          })
        ).totalCount,
      ).toBe(1);
      expect(
        (
          await list({
            metadata: [
              { key: "category", value: "catalog" },
              { key: "language", value: "fr" },
            ],
          })
        ).totalCount,
      ).toBe(0);
      expect((await list({ search: "SHIPP" })).edges.map((e: any) => e.node.id)).toEqual([ids.shipping]);
    }),
  );
});

describe("knowledgeDocuments search is literal (D9)", () => {
  test(
    "% and _ in a title search match only titles that contain them; a_b does not match axb",
    each(async ({ gateway }) => {
      const titles = ["Refunds 100% guaranteed", "Refunds 1000 guaranteed", "Spec a_b notes", "Spec axb notes"];
      const created: string[] = [];
      for (const title of titles) {
        const res = await gateway.gql(INGEST, { input: { title, source: "d9_literal", content: "Literal search check.", metadata: [], chunks: [] } });
        expect(res.body.errors).toBeUndefined();
        created.push(res.body.data.ingestKnowledgeDocument.id);
      }
      const found = async (search: string) => {
        const res = await gateway.gql(
          `query($filter: KnowledgeDocumentFilter) { knowledgeDocuments(filter: $filter, first: 50, orderBy: { field: TITLE }) { edges { node { title } } } }`,
          { filter: { source: "d9_literal", search } },
        );
        expect(res.body.errors).toBeUndefined();
        return res.body.data.knowledgeDocuments.edges.map((e: { node: { title: string } }) => e.node.title);
      };
      expect(await found("a_b")).toEqual(["Spec a_b notes"]);
      expect(await found("_")).toEqual(["Spec a_b notes"]);
      expect(await found("100%")).toEqual(["Refunds 100% guaranteed"]);
      expect(await found("%")).toEqual(["Refunds 100% guaranteed"]);
      expect(await found("\\")).toEqual([]);
      for (const id of created) await gateway.gql(`mutation($id: UUID!) { deleteKnowledgeDocument(id: $id) { id } }`, { id });
    }),
  );
});

describe("deleteKnowledgeDocument", () => {
  test(
    "removes the document with its chunks and metadata; a second delete is NOT_FOUND",
    each(async ({ gateway, db }) => {
      const created = await gateway.gql(INGEST, { input: { ...documentInput("catalog", "temp"), title: "Temporary" } });
      const id = created.body.data.ingestKnowledgeDocument.id;
      const remove = `mutation($id: UUID!) { deleteKnowledgeDocument(id: $id) { id deletedChunks } }`;
      const res = await gateway.gql(remove, { id });
      expect(res.body.data.deleteKnowledgeDocument).toEqual({ id, deletedChunks: 2 });
      const { rows } = await db.pool.query(
        "select (select count(*) from knowledge_chunks where document_id = $1)::int as chunks, (select count(*) from knowledge_metadata where document_id = $1)::int as metadata",
        [id],
      );
      expect(rows[0]).toEqual({ chunks: 0, metadata: 0 });
      const again = await gateway.gql(remove, { id });
      expect(again.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    }),
  );
});

describe("access: service_role only, in GraphQL and in the database", () => {
  const operations: [string, string, Record<string, unknown>][] = [
    ["knowledgeDocuments", `{ knowledgeDocuments { totalCount } }`, {}],
    ["knowledgeDocument", `query($id: UUID!) { knowledgeDocument(id: $id) { id } }`, { id: "00000000-0000-0000-0000-000000000000" }],
    ["searchKnowledge", `query($e: [Float!]!) { searchKnowledge(embedding: $e) { similarity } }`, { e: QUERY }],
    ["ingestKnowledgeDocument", INGEST, { input: documentInput("returns", "x") }],
    ["deleteKnowledgeDocument", `mutation($id: UUID!) { deleteKnowledgeDocument(id: $id) { id } }`, { id: "00000000-0000-0000-0000-000000000000" }],
  ];

  test(
    "authenticated gets FORBIDDEN and anon UNAUTHENTICATED for every field",
    each(async ({ gateway, db }) => {
      const { rows: before } = await db.pool.query("select count(*)::int as n from knowledge_documents");
      for (const [field, query, variables] of operations) {
        for (const [role, code] of [
          ["authenticated", "FORBIDDEN"],
          ["anon", "UNAUTHENTICATED"],
        ] as const) {
          const res = await gateway.gql(query, variables, { role });
          // An ingestion with embeddings is larger than anon may send at all: refused before it is read.
          const tooLarge = role === "anon" && JSON.stringify({ query, variables }).length > DEFAULT_BUDGETS.anon.maxBodyBytes;
          expect(
            res.body.errors?.map((e) => e.extensions?.code),
            `${role} ${field}`,
          ).toEqual([tooLarge ? "PAYLOAD_TOO_LARGE" : code]);
        }
      }
      const { rows: after } = await db.pool.query("select count(*)::int as n from knowledge_documents");
      expect(after).toEqual(before);
    }),
  );

  test(
    "the database refuses authenticated and anon on every knowledge table",
    each(async ({ db }) => {
      const client = await db.pool.connect();
      try {
        for (const role of ["authenticated", "anon"]) {
          for (const table of ["knowledge_documents", "knowledge_chunks", "knowledge_metadata"]) {
            await client.query("begin");
            await client.query(`set local role ${role}`);
            await expect(client.query(`select 1 from ${table} limit 1`)).rejects.toMatchObject({ code: "42501" });
            await client.query("rollback");
          }
        }
      } finally {
        client.release();
      }
    }),
  );
});
