// Fails when prisma/schema.prisma and the migrations disagree. The migrations are applied to a fresh
// database (tests/support), its catalog is read, and both are compared with the DMMF Prisma itself
// derives from schema.prisma: tables ↔ models, columns ↔ scalar fields (type, nullability, default),
// primary keys, unique indexes, foreign keys (ON DELETE / ON UPDATE) and the indexes the schema names.
// Every difference becomes one sentence, and a failure lists them all.
//
// Where the DMMF comes from: the Prisma CLI's own schema engine (prisma_schema_build_bg.wasm, shipped in
// the pinned `prisma` package) — the exact function `prisma generate` calls — so no network and no extra
// dependency. The DMMF leaves out Unsupported(...) fields; those few are read from the schema text.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type pg from "pg";
import { createTestDatabase, createVectorTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SCHEMA_PATH = fileURLToPath(new URL("../prisma/schema.prisma", import.meta.url));
const SCHEMA = readFileSync(SCHEMA_PATH, "utf8");

// ───────────────────────────── DMMF from Prisma's schema engine ─────────────────────────────

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  isDefinedOnField: boolean;
  dbName?: string | null;
  fields: Array<{ name: string; sortOrder?: "asc" | "desc" }>;
}
interface Dmmf {
  models: DmmfModel[];
  indexes: DmmfIndex[];
}

/** Loads Prisma's schema wasm with a minimal wasm-bindgen glue (its imports are matched by prefix). */
async function prismaSchemaEngine() {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "prisma_schema_build_bg.wasm");
  const module = await WebAssembly.compile(readFileSync(file));
  let wasm: Record<string, any>;
  const decoder = new TextDecoder();
  const text = (ptr: number, len: number) => decoder.decode(new Uint8Array(wasm.memory.buffer, ptr, len));
  const glue: Array<[string, (...args: any[]) => unknown]> = [
    ["__wbg_set_message_", () => undefined],
    ["__wbg_Error_", (ptr: number, len: number) => new Error(text(ptr, len))],
    [
      "__wbg___wbindgen_throw_",
      (ptr: number, len: number) => {
        throw new Error(text(ptr, len));
      },
    ],
    [
      "__wbindgen_init_externref_table",
      () => {
        const table = wasm.__wbindgen_externrefs as WebAssembly.Table;
        const offset = table.grow(4);
        table.set(0, undefined);
        [undefined, null, true, false].forEach((v, i) => table.set(offset + i, v));
      },
    ],
  ];
  const imports: Record<string, Record<string, unknown>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const fn = glue.find(([prefix]) => imp.name.startsWith(prefix))?.[1];
    if (!fn)
      throw new Error(
        `${file} needs an import this loader does not provide (${imp.module}.${imp.name}); the prisma version changed — update prismaSchemaEngine() in tests/schema-drift.test.ts`,
      );
    (imports[imp.module] ??= {})[imp.name] = fn;
  }
  wasm = (await WebAssembly.instantiate(module, imports as WebAssembly.Imports)).exports as Record<string, any>;
  wasm.__wbindgen_start();
  const encoder = new TextEncoder();
  return {
    getDmmf(schema: string): Dmmf {
      const input = encoder.encode(JSON.stringify({ prismaSchema: schema, noColor: true }));
      const ptr = wasm.__wbindgen_malloc(input.length, 1);
      new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
      const [outPtr, outLen, errRef, isErr] = wasm.get_dmmf(ptr, input.length) as number[];
      if (isErr) {
        const err = (wasm.__wbindgen_externrefs as WebAssembly.Table).get(errRef);
        throw new Error(`schema.prisma does not validate: ${String((err as Error)?.message ?? err)}`);
      }
      const json = text(outPtr, outLen);
      wasm.__wbindgen_free(outPtr, outLen, 1);
      return JSON.parse(json).datamodel as Dmmf;
    },
  };
}

/** Unsupported("…") fields (absent from the DMMF), read from the model blocks of the schema text. */
function unsupportedFields(schema: string): Map<string, DmmfField[]> {
  const byModel = new Map<string, DmmfField[]>();
  for (const [, model, body] of schema.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    for (const [, name, type, optional, rest] of body.matchAll(/^\s*(\w+)\s+Unsupported\("([^"]+)"\)(\?)?([^\n]*)$/gm)) {
      const map = /@map\("([^"]+)"\)/.exec(rest)?.[1];
      const list = byModel.get(model) ?? [];
      list.push({
        name: name,
        dbName: map ?? null,
        kind: "unsupported",
        type: type,
        isList: false,
        isRequired: !optional,
        isId: false,
        hasDefaultValue: /@default\(/.test(rest),
      });
      byModel.set(model, list);
    }
  }
  return byModel;
}

// ───────────────────────────── The database catalog ─────────────────────────────

interface Catalog {
  columns: Array<{ table: string; column: string; type: string; notNull: boolean; default: string | null }>;
  indexes: Array<{
    table: string;
    name: string;
    unique: boolean;
    primary: boolean;
    method: string;
    partial: boolean;
    columns: string[];
    desc: boolean[];
  }>;
  foreignKeys: Array<{ table: string; name: string; columns: string[]; refTable: string; refColumns: string[]; onDelete: string; onUpdate: string }>;
}

async function readCatalog(pool: pg.Pool): Promise<Catalog> {
  const tables = `c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`;
  const columns = await pool.query(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS "notNull", pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_class c
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE ${tables} ORDER BY c.relname, a.attnum`,
  );
  const indexes = await pool.query(
    `SELECT c.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary, am.amname AS method,
            x.indpred IS NOT NULL AS partial,
            array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns,
            array(SELECT (x.indoption[k.n - 1] & 1) = 1 FROM generate_subscripts(x.indkey, 1) WITH ORDINALITY k(s, n) ORDER BY k.n) AS desc
       FROM pg_index x
       JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_am am ON am.oid = i.relam
      WHERE ${tables} ORDER BY c.relname, i.relname`,
  );
  const foreignKeys = await pool.query(
    `SELECT c.relname AS table, con.conname AS name, r.relname AS "refTable",
            array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns,
            array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS "refColumns",
            con.confdeltype AS "onDelete", con.confupdtype AS "onUpdate"
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_class r ON r.oid = con.confrelid
      WHERE con.contype = 'f' AND ${tables} ORDER BY c.relname, con.conname`,
  );
  return { columns: columns.rows, indexes: indexes.rows, foreignKeys: foreignKeys.rows };
}

// ───────────────────────────── What Prisma expects ─────────────────────────────

/**
 * Indexes the migrations add that Prisma cannot (or by choice does not) express, each with the reason.
 * Any other database index missing from schema.prisma is drift.
 */
const DATABASE_ONLY_INDEXES: Record<string, string> = {
  AgentApproval_pending_createdAt_idx: "partial index (WHERE status = 'pending') for the support-queue tile",
  AgentApproval_pending_expiresAt_idx: "partial index for the approval deadline sweep",
  AgentFeedback_labels_gin: "GIN on a text[] column, queried with SQL array operators only",
  support_curated_replies_tags_gin: "GIN on a text[] column, queried with SQL array operators only",
  idx_knowledge_chunks_embedding_hnsw: "pgvector HNSW index, exists only where the vector extension does",
};

/** Database types an Unsupported("…") field may have. */
const UNSUPPORTED_TYPES: Record<string, RegExp> = {
  // vector(1536) with pgvector; real[] (with a 1536-dims CHECK) without it — see the knowledge_embeddings migration.
  vector: /^(vector\(1536\)|real\[\])$/,
};

const REFERENTIAL_ACTIONS: Record<string, string> = { a: "NoAction", r: "Restrict", c: "Cascade", n: "SetNull", d: "SetDefault" };

/** The PostgreSQL type (as format_type prints it) Prisma maps a scalar field to. */
function expectedType(field: DmmfField): string {
  const [native, args = []] = field.nativeType ?? [undefined, []];
  const base = ((): string => {
    switch (field.type) {
      case "String":
        return native === "Uuid"
          ? "uuid"
          : native === "VarChar"
            ? `character varying${args.length ? `(${args[0]})` : ""}`
            : native === "Char"
              ? `character(${args[0] ?? 1})`
              : native === "Citext"
                ? "citext"
                : "text";
      case "Int":
        return native === "SmallInt" ? "smallint" : "integer";
      case "BigInt":
        return "bigint";
      case "Float":
        return native === "Real" ? "real" : "double precision";
      case "Decimal":
        return `numeric(${args.length ? args.join(",") : "65,30"})`;
      case "Boolean":
        return "boolean";
      case "DateTime":
        if (native === "Date") return "date";
        if (native === "Timestamptz") return `timestamp(${args[0] ?? 6}) with time zone`;
        if (native === "Time") return `time(${args[0] ?? 6}) without time zone`;
        return `timestamp(${native === "Timestamp" ? (args[0] ?? 6) : 3}) without time zone`;
      case "Json":
        return native === "Json" ? "json" : "jsonb";
      case "Bytes":
        return "bytea";
      default:
        return `<no mapping for ${field.type}>`;
    }
  })();
  return field.isList ? `${base}[]` : base;
}

const CLIENT_SIDE_DEFAULTS = new Set(["uuid", "cuid", "nanoid", "ulid"]);

/** The default expression PostgreSQL should show for a field's @default, or null when there should be none. */
function expectedDefault(field: DmmfField): string | null {
  const d = field.default;
  if (d === undefined || d === null) return null;
  const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
  if (Array.isArray(d)) return `${quote(`{${d.join(",")}}`)}::${expectedType(field)}`;
  if (typeof d === "object") {
    const fn = d as { name: string; args: unknown[] };
    if (fn.name === "dbgenerated") return String(fn.args[0]);
    if (fn.name === "now") return "now()";
    if (fn.name === "autoincrement") return `nextval(…)`;
    if (CLIENT_SIDE_DEFAULTS.has(fn.name)) return null; // generated by the Prisma client, not the database
    return `${fn.name}()`;
  }
  if (typeof d === "string") return `${quote(d)}::${field.type === "Json" ? "jsonb" : "text"}`;
  return JSON.stringify(d); // a number or boolean: the literal PostgreSQL prints
}

/** PostgreSQL prints integer and numeric literals with or without a cast; those spellings are the same default. */
function sameDefault(expected: string, actual: string | null): boolean {
  if (actual === null) return false;
  if (expected === "nextval(…)") return actual.startsWith("nextval(");
  return actual === expected || actual.replace(/^'?(-?[\d.]+)'?::(numeric|integer|bigint)$/, "$1") === expected;
}

const column = (field: DmmfField) => field.dbName ?? field.name;
const list = (items: readonly string[]) => `(${items.join(", ")})`;

// ───────────────────────────── The comparison ─────────────────────────────

/** Every disagreement between the DMMF and the catalog, one sentence each (empty = in sync). */
function compare(dmmf: Dmmf, unsupported: Map<string, DmmfField[]>, catalog: Catalog): string[] {
  const diffs: string[] = [];
  const tableOf = new Map(dmmf.models.map((m) => [m.name, m.dbName ?? m.name]));
  const dbTables = new Set(catalog.columns.map((c) => c.table));

  for (const model of dmmf.models) {
    if (!dbTables.has(tableOf.get(model.name)!))
      diffs.push(`model ${model.name} maps to table "${tableOf.get(model.name)}", which the migrations do not create`);
  }
  const modelTables = new Set(tableOf.values());
  for (const table of dbTables) {
    if (!modelTables.has(table)) diffs.push(`table "${table}" exists in the database but no model in schema.prisma maps to it`);
  }

  for (const model of dmmf.models) {
    const table = tableOf.get(model.name)!;
    if (!dbTables.has(table)) continue;
    const fieldsByName = new Map(model.fields.map((f) => [f.name, f]));
    const scalars = [...model.fields.filter((f) => f.kind === "scalar" || f.kind === "enum"), ...(unsupported.get(model.name) ?? [])];
    const dbColumns = new Map(catalog.columns.filter((c) => c.table === table).map((c) => [c.column, c]));
    const where = (f: DmmfField) => `${model.name}.${f.name} (${table}.${column(f)})`;

    // Columns: existence, type, nullability, default.
    for (const field of scalars) {
      const col = dbColumns.get(column(field));
      if (!col) {
        diffs.push(`${where(field)}: no such column in the database`);
        continue;
      }
      if (field.kind === "unsupported") {
        const allowed = UNSUPPORTED_TYPES[field.type];
        if (!allowed) diffs.push(`${where(field)}: Unsupported("${field.type}") has no entry in UNSUPPORTED_TYPES`);
        else if (!allowed.test(col.type))
          diffs.push(`${where(field)}: type is ${col.type} in the database; Unsupported("${field.type}") allows ${allowed}`);
      } else if (col.type !== expectedType(field)) {
        diffs.push(`${where(field)}: type is ${col.type} in the database, schema.prisma expects ${expectedType(field)}`);
      }
      if (col.notNull !== field.isRequired) {
        diffs.push(
          `${where(field)}: ${col.notNull ? "NOT NULL" : "nullable"} in the database, ${field.isRequired ? "required" : "optional (?)"} in schema.prisma`,
        );
      }
      const wanted = field.kind === "unsupported" ? null : expectedDefault(field);
      if (wanted === null && field.hasDefaultValue === false && col.default !== null) {
        diffs.push(`${where(field)}: the database has DEFAULT ${col.default}, schema.prisma has no @default`);
      } else if (wanted !== null && !sameDefault(wanted, col.default)) {
        diffs.push(
          `${where(field)}: the database has ${col.default === null ? "no default" : `DEFAULT ${col.default}`}, schema.prisma's @default means ${wanted}`,
        );
      }
    }
    const fieldColumns = new Set(scalars.map(column));
    for (const name of dbColumns.keys()) {
      if (!fieldColumns.has(name)) diffs.push(`${table}.${name}: column exists in the database but model ${model.name} has no field for it`);
    }

    // Primary key and unique/normal indexes the schema declares.
    const dbIndexes = catalog.indexes.filter((i) => i.table === table);
    const declared = dmmf.indexes.filter((i) => i.model === model.name);
    const colsOf = (idx: DmmfIndex) => idx.fields.map((f) => column(fieldsByName.get(f.name)!));
    const pkFields = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
    const pk = dbIndexes.find((i) => i.primary);
    const pkIndex = declared.find((i) => i.type === "id");
    const pkName = pkIndex?.dbName ?? model.primaryKey?.name ?? `${table}_pkey`;
    const pkColumns = pkFields.map((f) => column(fieldsByName.get(f)!));
    if (!pk) diffs.push(`${table}: no primary key in the database; schema.prisma has @id ${list(pkColumns)}`);
    else {
      if (pk.columns.join() !== pkColumns.join())
        diffs.push(`${table}: primary key is ${list(pk.columns)} in the database, ${list(pkColumns)} in schema.prisma`);
      if (pk.name !== pkName) diffs.push(`${table}: primary key is named "${pk.name}" in the database, Prisma expects "${pkName}"`);
    }
    for (const idx of declared.filter((i) => i.type === "unique" || i.type === "normal")) {
      const columns = colsOf(idx);
      const name = idx.dbName ?? `${table}_${columns.join("_")}_${idx.type === "unique" ? "key" : "idx"}`;
      const desc = idx.fields.map((f) => f.sortOrder === "desc");
      const kind = idx.type === "unique" ? "unique index" : "index";
      const found = dbIndexes.find((i) => i.name === name);
      if (!found) {
        const twin = dbIndexes.find((i) => i.columns.join() === columns.join() && i.unique === (idx.type === "unique"));
        diffs.push(
          `${table}: ${kind} "${name}" ${list(columns)} from schema.prisma does not exist in the database${twin ? ` (the database has "${twin.name}" on those columns)` : ""}`,
        );
        continue;
      }
      if (found.columns.join() !== columns.join())
        diffs.push(`${table}: ${kind} "${name}" is on ${list(found.columns)} in the database, ${list(columns)} in schema.prisma`);
      if (found.unique !== (idx.type === "unique"))
        diffs.push(
          `${table}: index "${name}" is ${found.unique ? "" : "not "}unique in the database but ${idx.type === "unique" ? "@unique/@@unique" : "@@index"} in schema.prisma`,
        );
      if (found.desc.join() !== desc.join())
        diffs.push(
          `${table}: index "${name}" sort order is ${list(found.desc.map((d) => (d ? "DESC" : "ASC")))} in the database, ${list(desc.map((d) => (d ? "DESC" : "ASC")))} in schema.prisma`,
        );
      if (found.partial) diffs.push(`${table}: index "${name}" is partial in the database, which schema.prisma cannot say`);
      if (found.method !== "btree") diffs.push(`${table}: index "${name}" uses ${found.method} in the database, schema.prisma declares a btree`);
    }
    const declaredNames = new Set(
      declared.map((idx) =>
        idx.type === "id" ? pkName : (idx.dbName ?? `${table}_${colsOf(idx).join("_")}_${idx.type === "unique" ? "key" : "idx"}`),
      ),
    );
    for (const idx of dbIndexes) {
      if (!declaredNames.has(idx.name) && !(idx.name in DATABASE_ONLY_INDEXES)) {
        diffs.push(
          `${table}: ${idx.unique ? "unique " : ""}index "${idx.name}" ${list(idx.columns)} exists in the database but not in schema.prisma (declare it, or list it in DATABASE_ONLY_INDEXES with the reason)`,
        );
      }
    }

    // Foreign keys: one per relation field that holds the foreign key.
    const relations = model.fields.filter((f) => f.kind === "object" && (f.relationFromFields?.length ?? 0) > 0);
    const dbFks = catalog.foreignKeys.filter((fk) => fk.table === table);
    const matched = new Set<string>();
    for (const rel of relations) {
      const target = dmmf.models.find((m) => m.name === rel.type)!;
      const targetFields = new Map(target.fields.map((f) => [f.name, f]));
      const columns = rel.relationFromFields!.map((f) => column(fieldsByName.get(f)!));
      const refTable = tableOf.get(target.name)!;
      const refColumns = rel.relationToFields!.map((f) => column(targetFields.get(f)!));
      // Prisma's defaults: SetNull for an optional relation, Restrict for a required one; ON UPDATE Cascade.
      const onDelete = rel.relationOnDelete ?? (rel.isRequired ? "Restrict" : "SetNull");
      const onUpdate = rel.relationOnUpdate ?? "Cascade";
      const name = `${table}_${columns.join("_")}_fkey`;
      const fk = dbFks.find((f) => f.columns.join() === columns.join());
      const label = `${model.name}.${rel.name} (${table}${list(columns)} → ${refTable}${list(refColumns)})`;
      if (!fk) {
        diffs.push(`${label}: no foreign key in the database`);
        continue;
      }
      matched.add(fk.name);
      if (fk.refTable !== refTable || fk.refColumns.join() !== refColumns.join())
        diffs.push(`${label}: the database's foreign key references ${fk.refTable}${list(fk.refColumns)}`);
      if (REFERENTIAL_ACTIONS[fk.onDelete] !== onDelete)
        diffs.push(`${label}: ON DELETE is ${REFERENTIAL_ACTIONS[fk.onDelete]} in the database, ${onDelete} in schema.prisma`);
      if (REFERENTIAL_ACTIONS[fk.onUpdate] !== onUpdate)
        diffs.push(`${label}: ON UPDATE is ${REFERENTIAL_ACTIONS[fk.onUpdate]} in the database, ${onUpdate} in schema.prisma`);
      if (fk.name !== name) diffs.push(`${label}: the foreign key is named "${fk.name}" in the database, Prisma expects "${name}"`);
    }
    for (const fk of dbFks) {
      if (!matched.has(fk.name))
        diffs.push(
          `${table}: foreign key "${fk.name}" ${list(fk.columns)} → ${fk.refTable}${list(fk.refColumns)} exists in the database but no relation in schema.prisma declares it`,
        );
    }
  }
  return diffs;
}

// ───────────────────────────── Tests ─────────────────────────────

let engine: Awaited<ReturnType<typeof prismaSchemaEngine>>;
let dmmf: Dmmf;
beforeAll(async () => {
  engine = await prismaSchemaEngine();
  dmmf = engine.getDmmf(SCHEMA);
});

describe.each([
  { where: "the test server", open: () => createTestDatabase() },
  { where: "PGlite with pgvector", open: () => createVectorTestDatabase() },
])("schema.prisma matches the migrations on $where", ({ open }) => {
  let db: TestDatabase;
  let catalog: Catalog;
  beforeAll(async () => {
    db = await open();
    catalog = await readCatalog(db.pool);
  });
  afterAll(() => db?.close());

  test("no differences at all", () => {
    expect(compare(dmmf, unsupportedFields(SCHEMA), catalog)).toEqual([]);
  });

  test("every model is a table and every table (but _prisma_migrations) a model", () => {
    const tables = [...new Set(catalog.columns.map((c) => c.table))].sort();
    expect(tables).toEqual(dmmf.models.map((m) => m.dbName ?? m.name).sort());
    expect(tables).toHaveLength(21); // 19 from the schema document, plus agent_keys and AgentApprovalExecution
  });

  test("the embedding column is found although the DMMF omits Unsupported fields", () => {
    expect(unsupportedFields(SCHEMA).get("KnowledgeChunk")).toMatchObject([{ name: "embedding", type: "vector", isRequired: false }]);
    expect(catalog.columns.find((c) => c.table === "knowledge_chunks" && c.column === "embedding")?.type).toMatch(UNSUPPORTED_TYPES.vector);
  });
});

describe("the comparison names exactly what differs", () => {
  let catalog: Catalog;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    catalog = await readCatalog(db.pool);
  });
  afterAll(() => db?.close());

  /** schema.prisma with one edit applied; the edit must actually change the text. */
  const drifted = (from: string | RegExp, to: string) => {
    const edited = SCHEMA.replace(from, to);
    expect(edited, `edit ${from} did not apply`).not.toBe(SCHEMA);
    return compare(engine.getDmmf(edited), unsupportedFields(edited), catalog);
  };

  test.each([
    {
      drift: "a column type",
      from: "budgetCents Int               @default(0)",
      to: "budgetCents BigInt            @default(0)",
      message: "AdsCampaign.budgetCents (ads_campaigns.budget_cents): type is integer in the database, schema.prisma expects bigint",
    },
    {
      drift: "a decimal's precision",
      from: `targetRoas  Decimal?          @map("target_roas") @db.Decimal(10, 2)`,
      to: `targetRoas  Decimal?          @map("target_roas") @db.Decimal(12, 2)`,
      message: "AdsCampaign.targetRoas (ads_campaigns.target_roas): type is numeric(10,2) in the database, schema.prisma expects numeric(12,2)",
    },
    {
      drift: "nullability",
      from: `endDate     DateTime?         @map("end_date") @db.Date`,
      to: `endDate     DateTime          @map("end_date") @db.Date`,
      message: "AdsCampaign.endDate (ads_campaigns.end_date): nullable in the database, required in schema.prisma",
    },
    {
      drift: "a default",
      from: `status      String            @default("active")`,
      to: `status      String            @default("draft")`,
      message: "AdsCampaign.status (ads_campaigns.status): the database has DEFAULT 'active'::text, schema.prisma's @default means 'draft'::text",
    },
    {
      drift: "ON DELETE",
      from: "run          AgentRun @relation(fields: [runId], references: [runId], onDelete: Cascade)",
      to: "run          AgentRun @relation(fields: [runId], references: [runId], onDelete: Restrict)",
      message: "AgentQc.run (agent_qc(run_id) → agent_run(run_id)): ON DELETE is Cascade in the database, Restrict in schema.prisma",
    },
    {
      drift: "an index name",
      from: `map: "idx_ads_campaigns_platform"`,
      to: `map: "idx_ads_campaigns_by_platform"`,
      message: `ads_campaigns: index "idx_ads_campaigns_by_platform" (platform) from schema.prisma does not exist in the database (the database has "idx_ads_campaigns_platform" on those columns)`,
    },
    {
      drift: "an index sort order",
      from: `@@index([date(sort: Desc)], map: "idx_ads_metrics_date")`,
      to: `@@index([date], map: "idx_ads_metrics_date")`,
      message: `ads_metrics_daily: index "idx_ads_metrics_date" sort order is (DESC) in the database, (ASC) in schema.prisma`,
    },
    {
      drift: "a model's table",
      from: `@@map("observability_logs")`,
      to: `@@map("observability_log")`,
      message: `model ObservabilityLog maps to table "observability_log", which the migrations do not create`,
    },
    {
      drift: "a missing field",
      from: /\n\s*userAgent String\?\s+@map\("user_agent"\)/,
      to: "",
      message: "observability_logs.user_agent: column exists in the database but model ObservabilityLog has no field for it",
    },
    {
      drift: "a column name",
      from: `requestId String?  @map("request_id")`,
      to: `requestId String?  @map("requestid")`,
      message: "ObservabilityLog.requestId (observability_logs.requestid): no such column in the database",
    },
  ])("$drift", ({ from, to, message }) => {
    expect(drifted(from, to)).toContain(message);
  });

  test("a table without a model", () => {
    const withoutModel = SCHEMA.replace(/\nmodel ObservabilityLog \{[\s\S]*?\n\}\n/, "\n");
    expect(withoutModel).not.toBe(SCHEMA);
    expect(compare(engine.getDmmf(withoutModel), unsupportedFields(withoutModel), catalog)).toEqual([
      `table "observability_logs" exists in the database but no model in schema.prisma maps to it`,
    ]);
  });

  test("an index only the database has", () => {
    const catalogWithExtra: Catalog = {
      ...catalog,
      indexes: [
        ...catalog.indexes,
        {
          table: "ads_campaigns",
          name: "ads_campaigns_name_idx",
          unique: false,
          primary: false,
          method: "btree",
          partial: false,
          columns: ["campaign_name"],
          desc: [false],
        },
      ],
    };
    expect(compare(dmmf, unsupportedFields(SCHEMA), catalogWithExtra)).toEqual([
      `ads_campaigns: index "ads_campaigns_name_idx" (campaign_name) exists in the database but not in schema.prisma (declare it, or list it in DATABASE_ONLY_INDEXES with the reason)`,
    ]);
  });
});
