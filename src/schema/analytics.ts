/** Analytics: dashboard facts (one number per shop, metric and day) and the append-only decision log. */
import { access, builder } from "./builder.ts";
import { DateRangeInput, DateTimeRangeInput, exposeEnum, orderInput, tableById, tableConnection } from "./common.ts";
import { upsertCountsPayload } from "./batch.ts";
import { badInput, ClientError } from "../errors.ts";
import { RESERVED_AUDIT_ACTION_PREFIXES, RESERVED_AUDIT_SCOPES, rowAllowed } from "../auth/policy.ts";
import { decisionFilter, decisionWhere, factFilter, factWhere, ingestFacts, ingestFactsInput, logDecisionInput } from "../data/analytics.ts";

export const DashboardFactUnit = builder.enumType("DashboardFactUnit", {
  description: "What a fact's value counts.",
  values: {
    CENTS: { value: "cents", description: "Money in integer cents of the shop currency." },
    COUNT: { value: "count", description: "A number of things (orders, sessions, …)." },
    RATIO: { value: "ratio", description: "A fraction: 0.25 means 25 %." },
    SECONDS: { value: "seconds", description: "A duration." },
  } as const,
});

export const DashboardFact = builder.prismaObject("DashboardFact", {
  description: "One numeric value of one metric for one shop on one day (table DashboardFact).",
  authScopes: access("DashboardFact"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    shopDomain: t.exposeString("shopDomain", { description: "The shop, e.g. hotdash.myshopify.com." }),
    metric: t.exposeString("metric", { description: "Dotted lowercase name, e.g. revenue (the metric the revenue tile sums) or shopify.sessions." }),
    factDate: t.expose("factDate", { type: "Date" }),
    value: t.expose("value", { type: "Decimal" }),
    unit: exposeEnum(t, "unit", DashboardFactUnit),
    scope: t.exposeString("scope", { nullable: true, description: "Free-form grouping, e.g. dashboard or ops." }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    evidenceUrl: t.exposeString("evidenceUrl", { nullable: true, description: "Where the number comes from." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "Moves only when an ingestion changed the row." }),
  }),
});

export const DecisionLog = builder.prismaObject("DecisionLog", {
  description:
    "One entry of the append-only audit trail of decisions (table DecisionLog). Entries are never updated or deleted. " +
    "requestRole, requestSubject and system are stamped by the database from the request; no caller can set them.",
  // The row rule, checked per row: the vault's rows (scope credentials) never resolve for operators, however loaded.
  authScopes: (row, ctx) => rowAllowed(ctx.viewer, "DecisionLog", "select", row) && access("DecisionLog"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    scope: t.exposeString("scope", { description: "Area of the decision, e.g. ops, cx, growth, inventory, ceo_approval." }),
    actor: t.exposeString("actor", { description: "Who decided: an agent name or an operator's id." }),
    action: t.exposeString("action", { description: "What was decided, e.g. approval.approved." }),
    rationale: t.exposeString("rationale", { nullable: true }),
    evidenceUrl: t.exposeString("evidenceUrl", { nullable: true }),
    shopDomain: t.exposeString("shopDomain", { nullable: true }),
    externalRef: t.exposeString("externalRef", { nullable: true, description: "The thing decided about, e.g. chatwoot:101 or shopify:SKU-003." }),
    payload: t.expose("payload", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    requestRole: t.exposeString("requestRole", {
      nullable: true,
      description:
        "The database role of the request that wrote the entry (authenticated, service_role, or the owner's login); null for entries older than this column.",
    }),
    requestSubject: t.exposeString("requestSubject", {
      nullable: true,
      description: "The verified JWT sub of that request (agent:<name> for agent keys); null without one.",
    }),
    system: t.exposeBoolean("system", {
      description:
        "true when the database wrote the entry itself (approval transitions, the vault's audit, the deadline sweep, the owner's seed); " +
        "false for entries logged through logDecision or a direct insert.",
    }),
  }),
});

const FactFilter = builder
  .inputType("DashboardFactFilter", {
    fields: (t) => ({
      metrics: t.stringList({ required: false, description: "Exact metric names (any of them)." }),
      metricPrefix: t.string({ required: false, description: 'Metrics starting with this text, e.g. "shopify.".' }),
      shopDomain: t.string({ required: false }),
      scope: t.string({ required: false }),
      factDate: t.field({ type: DateRangeInput, required: false }),
    }),
  })
  .validate(factFilter);
const factOrder = orderInput("DashboardFact", { FACT_DATE: "factDate", METRIC: "metric", VALUE: "value", UPDATED_AT: "updatedAt" }, "FACT_DATE");
/** After the chosen field: newest day, then metric and shop A→Z; id last. */
function factOrderBy(order: Parameters<typeof factOrder.toPrisma>[0]) {
  const [primary, byId] = factOrder.toPrisma(order);
  const then = (["factDate", "metric", "shopDomain"] as const)
    .filter((f) => !(f in primary))
    .map((f): Record<string, "asc" | "desc"> => ({ [f]: f === "factDate" ? "desc" : "asc" }));
  return [primary, ...then, byId];
}

const DecisionFilter = builder
  .inputType("DecisionLogFilter", {
    fields: (t) => ({
      scopes: t.stringList({ required: false, description: "Any of these scopes." }),
      actor: t.string({ required: false }),
      actions: t.stringList({ required: false, description: "Any of these actions." }),
      externalRef: t.string({ required: false }),
      shopDomain: t.string({ required: false }),
      createdAt: t.field({ type: DateTimeRangeInput, required: false }),
    }),
  })
  .validate(decisionFilter);
const decisionOrder = orderInput("DecisionLog", { CREATED_AT: "createdAt" }, "CREATED_AT");

builder.queryFields((t) => ({
  dashboardFacts: tableConnection(t, {
    table: "DashboardFact",
    type: "DashboardFact",
    description: "Dashboard facts; newest day first (then metric, shop) by default.",
    args: { filter: t.arg({ type: FactFilter, required: false }), orderBy: t.arg({ type: factOrder.input, required: false }) },
    where: (args) => factWhere(args.filter),
    orderBy: (args) => factOrderBy(args.orderBy),
  }),
  dashboardFact: tableById(t, { table: "DashboardFact", type: "DashboardFact", description: "One fact by id." }),
  decisionLogs: tableConnection(t, {
    table: "DecisionLog",
    type: "DecisionLog",
    description: "The decision audit trail, newest first by default.",
    args: { filter: t.arg({ type: DecisionFilter, required: false }), orderBy: t.arg({ type: decisionOrder.input, required: false }) },
    where: (args) => decisionWhere(args.filter),
    orderBy: (args) => decisionOrder.toPrisma(args.orderBy),
  }),
  decisionLog: tableById(t, { table: "DecisionLog", type: "DecisionLog", description: "One decision by id." }),
}));

// Mutations: service_role (agents and ETL jobs).
const FactInput = builder.inputType("DashboardFactInput", {
  description: "The whole fact for one shop, metric and day: omitted optional fields are null (metadata {}).",
  fields: (t) => ({
    shopDomain: t.string({ required: true }),
    metric: t.string({ required: true, description: "Dotted lowercase name matching ^[a-z][a-z0-9_.]*$." }),
    factDate: t.field({ type: "Date", required: true }),
    value: t.field({ type: "Decimal", required: true }),
    unit: t.field({ type: DashboardFactUnit, required: false, defaultValue: "count" }),
    scope: t.string({ required: false }),
    metadata: t.field({ type: "JSON", required: false }),
    evidenceUrl: t.string({ required: false }),
  }),
});
const IngestFactsInput = builder
  .inputType("IngestDashboardFactsInput", {
    fields: (t) => ({ facts: t.field({ type: [FactInput], required: true }) }),
  })
  .validate(ingestFactsInput);
const IngestFactsPayload = upsertCountsPayload("IngestDashboardFactsPayload", "fact");

const LogDecisionInput = builder
  .inputType("LogDecisionInput", {
    fields: (t) => ({
      scope: t.string({ required: true }),
      actor: t.string({ required: false, description: "Defaults to the token's sub." }),
      action: t.string({ required: true }),
      rationale: t.string({ required: false }),
      evidenceUrl: t.string({ required: false }),
      shopDomain: t.string({ required: false }),
      externalRef: t.string({ required: false }),
      payload: t.field({ type: "JSON", required: false }),
    }),
  })
  .validate(logDecisionInput);
builder.mutationFields((t) => ({
  ingestDashboardFacts: t.field({
    type: IngestFactsPayload,
    description:
      "Idempotent bulk upsert, one row per shop, metric and day (each row replaces that fact). All-or-nothing; replaying a batch changes nothing.",
    authScopes: access("DashboardFact", ["insert", "update"]),
    args: { input: t.arg({ type: IngestFactsInput, required: true }) },
    resolve: (_root, { input }, ctx) => ingestFacts(ctx.db, input.facts),
  }),
  logDecision: t.prismaField({
    type: "DecisionLog",
    description:
      "Appends one entry to the decision log and returns it. Entries cannot be changed afterwards. The scopes agent_approval and credentials " +
      "and the actions approval.* and credential.* are reserved for the database and the vault (FORBIDDEN, reason RESERVED_AUDIT). " +
      "The entry records your role and token sub in requestRole/requestSubject, whatever actor says.",
    authScopes: access("DecisionLog", "insert"),
    args: { input: t.arg({ type: LogDecisionInput, required: true }) },
    resolve: (query, _root, { input: v }, ctx) => {
      // What only the database and the vault write cannot be logged by hand (D4); RLS refuses it too.
      if (!rowAllowed(ctx.viewer, "DecisionLog", "insert", v)) {
        throw new ClientError(
          `scope ${JSON.stringify(v.scope)} / action ${JSON.stringify(v.action)} is reserved: the scopes ${RESERVED_AUDIT_SCOPES.join(", ")} and the actions ` +
            `${RESERVED_AUDIT_ACTION_PREFIXES.map((p) => `${p}*`).join(", ")} are written only by the database and the credentials vault.`,
          "FORBIDDEN",
          { extensions: { reason: "RESERVED_AUDIT" } },
        );
      }
      // An agent key's caller is its agent (agent:<name>), whatever input.actor says.
      const actor = ctx.viewer.agent ? ctx.viewer.subject : (v.actor ?? ctx.viewer.subject);
      if (!actor) throw badInput("input.actor", "required when the token has no sub claim");
      return ctx.db.decisionLog.create({
        ...query,
        data: {
          scope: v.scope,
          actor,
          action: v.action,
          rationale: v.rationale ?? null,
          evidenceUrl: v.evidenceUrl ?? null,
          shopDomain: v.shopDomain ?? null,
          externalRef: v.externalRef ?? null,
          payload: v.payload ?? {},
        },
      });
    },
  }),
}));
