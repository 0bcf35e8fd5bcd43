/**
 * The renderer's map from Prisma models to tables: each model's table and columns (from the Prisma
 * client's runtime data model, which knows every @map), its id, its relations (from the Pothos
 * datamodel, which knows the foreign keys), and each column's PostgreSQL type (from the database's
 * own catalog, read once per process: the database is the source of truth for what a column holds).
 */
import type { PrismaClient } from "../generated/prisma/client.ts";
import { getDatamodel } from "../generated/pothos-types.ts";

export interface ColumnInfo {
  /** Column name in the table. */
  name: string;
  /** PostgreSQL type name (pg_type.typname, e.g. "uuid", "text", "_text", "numeric", "timestamptz"). */
  type: string;
}

export interface RelationInfo {
  target: string;
  list: boolean;
  /** Pairs [column of this model, column of the target] that join the two rows. */
  on: Array<[string, string]>;
}

export interface ModelInfo {
  name: string;
  table: string;
  /** The id field (every model here has a one-column id) and its column. */
  idField: string;
  id: ColumnInfo;
  columns: Map<string, ColumnInfo>;
  relations: Map<string, RelationInfo>;
}

export type Catalog = Map<string, ModelInfo>;

interface RuntimeModel {
  dbName: string | null;
  fields: Array<{ name: string; kind: string; dbName?: string }>;
}
/** Prisma keeps the runtime data model on the client instance; it is not exported by the generated client. */
type WithRuntimeModel = { _runtimeDataModel?: { models: Record<string, RuntimeModel> } };

const pothos = getDatamodel().datamodel.models;

export async function loadCatalog(prisma: PrismaClient): Promise<Catalog> {
  const runtime = (prisma as unknown as WithRuntimeModel)._runtimeDataModel?.models;
  if (!runtime) throw new Error("The Prisma client exposes no runtime data model: the SQL renderer cannot map models to tables");
  const rows = await prisma.$queryRaw<Array<{ table: string; column: string; type: string }>>`
    SELECT c.relname AS table, a.attname AS column, t.typname AS type
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v') AND a.attnum > 0 AND NOT a.attisdropped`;
  const types = new Map(rows.map((r) => [`${r.table}.${r.column}`, r.type]));

  const catalog: Catalog = new Map();
  for (const [name, model] of Object.entries(runtime)) {
    const table = model.dbName ?? name;
    const columns = new Map<string, ColumnInfo>();
    for (const field of model.fields) {
      if (field.kind !== "scalar" && field.kind !== "enum") continue;
      const column = field.dbName ?? field.name;
      const type = types.get(`${table}.${column}`);
      if (type) columns.set(field.name, { name: column, type });
    }
    const fields = pothos[name]?.fields ?? [];
    const idField = fields.find((f) => f.isId)?.name;
    const id = idField ? columns.get(idField) : undefined;
    if (!id) continue; // not renderable without a one-column id
    catalog.set(name, { name, table, idField: idField!, id, columns, relations: new Map() });
  }
  // Relations: the owning side names its foreign key; the other side is found through the relation name.
  for (const [name, info] of catalog) {
    for (const field of pothos[name].fields) {
      if (field.kind !== "object" || !("relationName" in field)) continue;
      const target = catalog.get(field.type);
      if (!target) continue;
      const owning = field.relationFromFields ?? [];
      if (owning.length === 1) {
        const local = info.columns.get(owning[0]);
        if (local) info.relations.set(field.name, { target: field.type, list: field.isList, on: [[local.name, target.id.name]] });
        continue;
      }
      const back = pothos[field.type].fields.find(
        (f) => f.kind === "object" && "relationName" in f && f.relationName === field.relationName && (f.relationFromFields ?? []).length === 1,
      );
      const foreign = back && "relationFromFields" in back ? target.columns.get(back.relationFromFields![0]) : undefined;
      if (foreign) info.relations.set(field.name, { target: field.type, list: field.isList, on: [[info.id.name, foreign.name]] });
    }
  }
  return catalog;
}
