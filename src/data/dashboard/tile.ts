/**
 * A dashboard tile: a shared WITH clause plus named "parts" (e.g. "totals", a SKU list with its
 * limit), each one JSON column. Whatever the data volume and however many fields a query selects,
 * a tile is ONE SQL statement per request: `tile.load(ctx, args, part)` goes through a request-scoped
 * DataLoader keyed by the tile's arguments, which gathers the parts asked for in the same tick into
 * `<with> SELECT (<part 1>) AS p0, (<part 2>) AS p1 …`. All aggregation happens in PostgreSQL;
 * JavaScript only renames fields and turns date strings into Dates. Formulas: docs/dashboard.md.
 *
 * Adding a tile: one data file here (`defineTile`: its arguments, WITH clause and parts), one schema
 * file in src/schema/dashboard/ (its object types, fields calling `tile.load`), and one field on
 * `Dashboard` in src/schema/dashboard/index.ts (its arguments, defaults and `readsAll(...)` tables).
 */
import DataLoader from "dataloader";
import { Prisma } from "../../generated/prisma/client.ts";
import { badInput } from "../../errors.ts";
import type { DataContext } from "../context.ts";

/** Largest `first` of a tile list. */
export const MAX_TILE_LIST = 100;

export function checkLimit(first: number, field: string): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_TILE_LIST) throw badInput(field, `must be between 1 and ${MAX_TILE_LIST}`);
  return first;
}

/**
 * One JSON column of a tile's statement: its SQL from the tile's arguments and the part's own (a
 * list's limit and filters; `void` for none), and the conversion of its JSON into the result.
 */
export interface Part<Tile, Args, Out> {
  readonly sql: (tile: Tile, args: Args) => Prisma.Sql;
  readonly decode: (json: unknown) => Out;
}

/** Makes the parts of a tile whose arguments are `Tile` (handed to `defineTile`'s `parts`). */
export interface PartFactory<Tile> {
  /** A part whose JSON is the result as it is: `part<RevenueTotals>((tile) => sql)`. */
  <Out, Args = void>(sql: (tile: Tile, args: Args) => Prisma.Sql): Part<Tile, Args, Out>;
  /** A part whose JSON needs converting (dates arrive as strings): `part(sql, (rows: Json[]) => …)`. */
  <Json, Out, Args = void>(sql: (tile: Tile, args: Args) => Prisma.Sql, decode: (json: Json) => Out): Part<Tile, Args, Out>;
}

type PartOf<Tile> = Part<Tile, never, unknown>;
type ArgsOf<Tile, P> = P extends Part<Tile, infer Args, unknown> ? ([Args] extends [void] ? [] : [args: Args]) : never;
type ResultOf<Tile, P> = P extends Part<Tile, never, infer Out> ? Out : never;

export interface TileDefinition<Tile, Parts extends Record<string, PartOf<Tile>>> {
  /** Names the tile's loaders (`dashboard.<key>:<arguments>`). */
  key: string;
  /** The WITH clause every part of the tile reads. */
  with: (tile: Tile) => Prisma.Sql;
  parts: (part: PartFactory<Tile>) => Parts;
}

export interface Tile<T, Parts extends Record<string, PartOf<T>>> {
  readonly key: string;
  /** One part of the tile with arguments `tile`, typed by the part: one statement for all parts loaded in a tick. */
  load<Name extends keyof Parts & string>(ctx: DataContext, tile: T, name: Name, ...args: ArgsOf<T, Parts[Name]>): Promise<ResultOf<T, Parts[Name]>>;
}

/** What a part is asked for with: its name and its own arguments. */
interface PartRequest {
  name: string;
  args: unknown;
}

/** The part factory for tiles with arguments `T`. */
function partFactory<T>(): PartFactory<T> {
  function part<Out, Args = void>(sql: (tile: T, args: Args) => Prisma.Sql): Part<T, Args, Out>;
  function part<Json, Out, Args = void>(sql: (tile: T, args: Args) => Prisma.Sql, decode: (json: Json) => Out): Part<T, Args, Out>;
  function part<Json, Out, Args>(sql: (tile: T, args: Args) => Prisma.Sql, decode?: (json: Json) => Out): Part<T, Args, Out> {
    // A column's JSON is what the part's SQL builds (json_build_object, json_agg): `Json` by construction.
    return { sql, decode: decode ? (json) => decode(json as Json) : (json) => json as Out };
  }
  return part;
}

export function defineTile<T, Parts extends Record<string, PartOf<T>>>(definition: TileDefinition<T, Parts>): Tile<T, Parts> {
  const parts: Record<string, PartOf<T>> = definition.parts(partFactory<T>());
  const columnSql = (tile: T, request: PartRequest) => {
    const p = parts[request.name];
    if (!p) throw new Error(`unknown ${definition.key} part ${request.name}`);
    return p.sql(tile, request.args as never);
  };

  /** The request's loader for the tile with arguments `tile`: each distinct part loaded in a tick is one column. */
  const loaderFor = (ctx: DataContext, tile: T) => {
    const loaderKey = `dashboard.${definition.key}:${JSON.stringify(tile)}`;
    let loader = ctx.loaders.get(loaderKey) as DataLoader<PartRequest, unknown, string> | undefined;
    if (!loader) {
      loader = new DataLoader<PartRequest, unknown, string>(
        async (requests) => {
          const columns = requests.map((request, i) => Prisma.sql`(${columnSql(tile, request)}) AS ${Prisma.raw(`p${i}`)}`);
          const rows = await ctx.db.$queryRaw<Record<string, unknown>[]>`${definition.with(tile)} SELECT ${Prisma.join(columns)}`;
          return requests.map((_, i) => rows[0][`p${i}`]);
        },
        // The same part with the same arguments, asked for by several fields, is one column.
        { maxBatchSize: 5000, cacheKeyFn: (request) => JSON.stringify([request.name, request.args ?? {}]) },
      );
      ctx.loaders.set(loaderKey, loader);
    }
    return loader;
  };

  return {
    key: definition.key,
    load: async (ctx, tile, name, ...args: unknown[]) => {
      const json = await loaderFor(ctx, tile).load({ name, args: args[0] });
      return parts[name].decode(json) as ResultOf<T, Parts[typeof name]>;
    },
  };
}
