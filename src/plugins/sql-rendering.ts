/**
 * Root lists drawn by PostgreSQL (LIST_RENDERING=sql, the default): the execute function of query
 * operations becomes src/render/execute.ts', inside the request's RLS transaction (this plugin sits
 * before useRlsTransaction, which wraps it). The table map is read from the database once
 * (tableMap(); the gateway reads it before it listens); if that fails, queries run through graphql-js
 * alone until a later query reads it.
 */
import type { ExecutionArgs, ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { GatewayContext } from "../context/types.ts";
import type { Logger } from "../logger.ts";
import { loadCatalog, type Catalog } from "../render/catalog.ts";
import { renderingExecute } from "../render/execute.ts";

/** Reads the table map once; undefined (and a warning) while the database cannot be read. */
export function tableMap(prisma: PrismaClient, logger?: Logger): () => Promise<Catalog | undefined> {
  let catalog: Promise<Catalog | undefined> | undefined;
  return () =>
    (catalog ??= loadCatalog(prisma).catch((error: unknown) => {
      catalog = undefined;
      logger?.warn("SQL rendering waits for the database: the table map could not be read", { error: String(error) });
      return undefined;
    }));
}

export function useSqlRendering(catalog: () => Promise<Catalog | undefined>): Plugin<GatewayContext> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(renderingExecute(executeFn as (args: ExecutionArgs) => Promise<ExecutionResult>, catalog));
    },
  };
}
