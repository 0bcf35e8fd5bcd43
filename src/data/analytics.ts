/** Data access for analytics: dashboard-fact and decision-log filters, fact ingestion, decision logging. */
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import { dateRangeWhere, dateTimeRangeWhere } from "../lib/dates.ts";
import { literal } from "../lib/filters.ts";
import { upsertBatch, type UpsertCounts } from "./upsert.ts";

type Range = { from?: Date | null; to?: Date | null } | null | undefined;

export interface FactFilter {
  metrics?: string[] | null;
  metricPrefix?: string | null;
  shopDomain?: string | null;
  scope?: string | null;
  factDate?: Range;
}

export function factWhere(filter: FactFilter | null | undefined): Prisma.DashboardFactWhereInput {
  if (!filter) return {};
  const and: Prisma.DashboardFactWhereInput[] = [];
  if (filter.metrics) and.push({ metric: { in: filter.metrics } });
  if (filter.metricPrefix) and.push({ metric: { startsWith: literal(filter.metricPrefix) } });
  if (filter.shopDomain) and.push({ shopDomain: filter.shopDomain });
  if (filter.scope) and.push({ scope: filter.scope });
  const factDate = dateRangeWhere(filter.factDate, "filter.factDate");
  if (factDate) and.push({ factDate });
  return and.length ? { AND: and } : {};
}

export interface DecisionFilter {
  scopes?: string[] | null;
  actor?: string | null;
  actions?: string[] | null;
  externalRef?: string | null;
  shopDomain?: string | null;
  createdAt?: Range;
}

export function decisionWhere(filter: DecisionFilter | null | undefined): Prisma.DecisionLogWhereInput {
  if (!filter) return {};
  const and: Prisma.DecisionLogWhereInput[] = [];
  if (filter.scopes) and.push({ scope: { in: filter.scopes } });
  if (filter.actor) and.push({ actor: filter.actor });
  if (filter.actions) and.push({ action: { in: filter.actions } });
  if (filter.externalRef) and.push({ externalRef: filter.externalRef });
  if (filter.shopDomain) and.push({ shopDomain: filter.shopDomain });
  const createdAt = dateTimeRangeWhere(filter.createdAt, "filter.createdAt");
  if (createdAt) and.push({ createdAt });
  return and.length ? { AND: and } : {};
}

export interface FactInput {
  shopDomain: string;
  metric: string;
  factDate: Date;
  value: string;
  unit: string;
  scope?: string | null;
  metadata?: unknown;
  evidenceUrl?: string | null;
}

/** One statement for the whole batch; each row replaces the fact of its shop, metric and day. */
export function ingestFacts(db: Db, facts: FactInput[]): Promise<UpsertCounts> {
  return upsertBatch(db, {
    table: "DashboardFact",
    conflictKey: ["shopDomain", "metric", "factDate"],
    columns: {
      shopDomain: "text", metric: "text", factDate: "date", value: "numeric", unit: "text",
      scope: "text", metadata: "jsonb", evidenceUrl: "text",
    },
    rows: facts.map((f) => ({ ...f, metadata: f.metadata ?? {} })),
  });
}
