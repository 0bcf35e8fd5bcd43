/**
 * Data access for analytics: dashboard-fact and decision-log filters, and the schemas of fact
 * ingestion and decision logging (declared once here, attached to the GraphQL inputs with
 * `.validate`, as in src/data/agents/approvals.ts), and fact ingestion.
 */
import { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import { dateRangeWhere, dateTimeRangeWhere, formatDate } from "../lib/dates.ts";
import { allOf, anyOf, text } from "../lib/filters.ts";
import { httpUrl, nonEmpty, range, z } from "../lib/validation.ts";
import { rejectDuplicateKeys, upsertBatch, type UpsertCounts } from "./upsert.ts";

/** DashboardFactFilter (shape only: no rules). */
export const factFilter = z.object({
  metrics: z.array(z.string()).nullish(),
  metricPrefix: z.string().nullish(),
  shopDomain: z.string().nullish(),
  scope: z.string().nullish(),
  factDate: range,
});
export type FactFilter = z.infer<typeof factFilter>;

export function factWhere(filter: FactFilter | null | undefined): Prisma.DashboardFactWhereInput {
  if (!filter) return {};
  return allOf<Prisma.DashboardFactWhereInput>([
    { metric: anyOf(filter.metrics) },
    { metric: text(filter.metricPrefix, "startsWith", { caseSensitive: true }) },
    { shopDomain: text(filter.shopDomain, "equals", { caseSensitive: true }) },
    { scope: text(filter.scope, "equals", { caseSensitive: true }) },
    { factDate: dateRangeWhere(filter.factDate, "filter.factDate") },
  ]);
}

/** DecisionLogFilter (shape only: no rules). */
export const decisionFilter = z.object({
  scopes: z.array(z.string()).nullish(),
  actor: z.string().nullish(),
  actions: z.array(z.string()).nullish(),
  externalRef: z.string().nullish(),
  shopDomain: z.string().nullish(),
  createdAt: range,
});
export type DecisionFilter = z.infer<typeof decisionFilter>;

export function decisionWhere(filter: DecisionFilter | null | undefined): Prisma.DecisionLogWhereInput {
  if (!filter) return {};
  return allOf<Prisma.DecisionLogWhereInput>([
    { scope: anyOf(filter.scopes) },
    { actor: text(filter.actor, "equals", { caseSensitive: true }) },
    { action: anyOf(filter.actions) },
    { externalRef: text(filter.externalRef, "equals", { caseSensitive: true }) },
    { shopDomain: text(filter.shopDomain, "equals", { caseSensitive: true }) },
    { createdAt: dateTimeRangeWhere(filter.createdAt, "filter.createdAt") },
  ]);
}

const METRIC_PATTERN = /^[a-z][a-z0-9_.]*$/;
const optionalText = z.string().trim().min(1, "must not be empty when given").nullish();
/** DECIMAL(20,4): at most 16 digits before the point and 4 after; sent on as plain text. */
const factValue = z
  .custom<Prisma.Decimal>((v) => Prisma.Decimal.isDecimal(v), "must be a decimal number")
  .refine((v) => v.decimalPlaces() <= 4, "must have at most 4 decimal places")
  .refine((v) => v.abs().lt("1e16"), "must be less than 10^16 in absolute value")
  .transform((v) => v.toFixed());

/** IngestDashboardFactsInput. */
export const ingestFactsInput = z.object({
  facts: z
    .array(
      z.object({
        shopDomain: nonEmpty,
        metric: z.string().regex(METRIC_PATTERN, "must be dotted lowercase (^[a-z][a-z0-9_.]*$), e.g. revenue or shopify.sessions"),
        factDate: z.date(),
        value: factValue,
        unit: z.string(),
        scope: optionalText,
        metadata: z.unknown().optional(),
        evidenceUrl: httpUrl.nullish(),
      }),
    )
    .min(1, "must contain at least one row")
    .max(10_000, "must contain at most 10000 rows")
    .superRefine(
      rejectDuplicateKeys((f) => `${f.shopDomain}|${f.metric}|${formatDate(f.factDate)}`, "factDate", "one fact per shop, metric and day"),
    ),
});
export type FactInput = z.infer<typeof ingestFactsInput>["facts"][number];

/** LogDecisionInput. */
export const logDecisionInput = z.object({
  scope: nonEmpty,
  actor: optionalText,
  action: nonEmpty,
  rationale: optionalText,
  evidenceUrl: httpUrl.nullish(),
  shopDomain: optionalText,
  externalRef: optionalText,
  payload: z.unknown().optional(),
});
export type LogDecisionInput = z.infer<typeof logDecisionInput>;

/** One statement for the whole batch; each row replaces the fact of its shop, metric and day. */
export function ingestFacts(db: Db, facts: FactInput[]): Promise<UpsertCounts> {
  return upsertBatch(db, {
    table: "DashboardFact",
    conflictKey: ["shopDomain", "metric", "factDate"],
    columns: {
      shopDomain: "text",
      metric: "text",
      factDate: "date",
      value: "numeric",
      unit: "text",
      scope: "text",
      metadata: "jsonb",
      evidenceUrl: "text",
    },
    rows: facts.map((f) => ({ ...f, metadata: f.metadata ?? {} })),
  });
}
