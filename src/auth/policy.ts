/**
 * The one policy table: who may do what to which table.
 *
 * It mirrors the row-level security in prisma/migrations/*_row_level_security exactly. PostgreSQL
 * enforces RLS on every statement the gateway sends; this table lets the GraphQL layer refuse early
 * with a clear error and hide fields a role can never read. tests/rls-parity.test.ts walks every
 * table × role × operation and proves that what GraphQL allows equals what the database allows.
 * Adding a table without an entry here fails that test.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { Role, Viewer } from "../context/types.ts";

export type Operation = "select" | "insert" | "update" | "delete";
export const OPERATIONS: readonly Operation[] = ["select", "insert", "update", "delete"];

/** A row rule narrows an operation to some rows, like an RLS USING / WITH CHECK expression. */
export interface RowRule<Row = Record<string, unknown>> {
  /** Human-readable, for docs/auth.md and error messages. */
  description: string;
  /** Prisma `where` that selects the rows the viewer may touch (mirrors USING). */
  where?: (viewer: Viewer) => Record<string, unknown>;
  /** Check on a row being written (mirrors WITH CHECK). */
  check?: (row: Partial<Row>, viewer: Viewer) => boolean;
}

/** true = every row; a RowRule = only rows matching it; absent = denied. */
export type Grant = true | RowRule;
type RoleGrants = Partial<Record<Operation, Grant>>;

export interface TablePolicy {
  /** Prisma model name, for the GraphQL layer. */
  model: Prisma.ModelName;
  authenticated: RoleGrants;
  service_role: RoleGrants;
}

const READ_ONLY: RoleGrants = { select: true };
const ALL: RoleGrants = { select: true, insert: true, update: true, delete: true };

/** Authenticated users see INFO and WARN log rows only; errors can carry internals. */
export const VISIBLE_LOG_LEVELS = ["INFO", "WARN"] as const;

export const POLICIES = {
  ads_campaigns: { model: "AdsCampaign", authenticated: READ_ONLY, service_role: ALL },
  ads_daily_metrics: { model: "AdsDailyMetric", authenticated: READ_ONLY, service_role: ALL },
  ads_metrics_daily: { model: "AdsMetricsDailyLegacy", authenticated: READ_ONLY, service_role: ALL },

  agent_run: { model: "AgentRun", authenticated: {}, service_role: ALL },
  agent_qc: { model: "AgentQc", authenticated: {}, service_role: ALL },
  AgentApproval: { model: "AgentApproval", authenticated: READ_ONLY, service_role: ALL },
  AgentFeedback: {
    model: "AgentFeedback",
    authenticated: {
      select: true,
      insert: {
        description: "operators record feedback as themselves: annotator = the token's sub",
        // A blank sub is no identity (gateway.jwt_subject() returns NULL for it too).
        check: (row, viewer) => !!viewer.subject?.trim() && row.annotator === viewer.subject.trim(),
      },
    },
    service_role: ALL,
  },
  AgentQuery: { model: "AgentQuery", authenticated: {}, service_role: ALL },

  knowledge_documents: { model: "KnowledgeDocument", authenticated: {}, service_role: ALL },
  knowledge_chunks: { model: "KnowledgeChunk", authenticated: {}, service_role: ALL },
  knowledge_metadata: { model: "KnowledgeMetadata", authenticated: {}, service_role: ALL },

  inventory_snapshots: { model: "InventorySnapshot", authenticated: READ_ONLY, service_role: ALL },
  reorder_points: { model: "ReorderPoint", authenticated: READ_ONLY, service_role: ALL },
  supplier_lead_times: { model: "SupplierLeadTime", authenticated: READ_ONLY, service_role: ALL },

  DashboardFact: { model: "DashboardFact", authenticated: READ_ONLY, service_role: ALL },
  // Append-only audit trail: nobody updates or deletes (a trigger refuses it too).
  DecisionLog: { model: "DecisionLog", authenticated: READ_ONLY, service_role: { select: true, insert: true } },

  support_curated_replies: { model: "SupportCuratedReply", authenticated: READ_ONLY, service_role: ALL },

  observability_logs: {
    model: "ObservabilityLog",
    authenticated: {
      select: {
        description: `only ${VISIBLE_LOG_LEVELS.join(" and ")} rows`,
        where: () => ({ level: { in: [...VISIBLE_LOG_LEVELS] } }),
        check: (row) => (VISIBLE_LOG_LEVELS as readonly unknown[]).includes(row.level),
      },
    },
    service_role: ALL,
  },

  creds_meta: { model: "CredsMeta", authenticated: {}, service_role: ALL },
} as const satisfies Record<string, TablePolicy>;

export type TableName = keyof typeof POLICIES;
export const TABLES = Object.keys(POLICIES) as TableName[];

/** The grant a role has for an operation on a table, or undefined when denied. anon has none. */
export function grantFor(role: Role, table: TableName, op: Operation): Grant | undefined {
  if (role === "anon") return undefined;
  const grants: RoleGrants = POLICIES[table][role];
  return grants[op];
}

/** May this role perform the operation on at least some rows of the table? */
export function can(role: Role, table: TableName, op: Operation): boolean {
  return grantFor(role, table, op) !== undefined;
}

/** Prisma `where` narrowing reads to the rows the viewer may see (undefined = all rows). */
export function rowFilter(viewer: Viewer, table: TableName, op: Operation = "select"): Record<string, unknown> | undefined {
  const grant = grantFor(viewer.role, table, op);
  return grant === undefined || grant === true ? undefined : grant.where?.(viewer);
}

/** Whether a row the viewer writes (or reads) satisfies the table's row rule. */
export function rowAllowed(viewer: Viewer, table: TableName, op: Operation, row: Record<string, unknown>): boolean {
  const grant = grantFor(viewer.role, table, op);
  if (grant === undefined) return false;
  return grant === true || grant.check === undefined || grant.check(row, viewer);
}

// ───────────── Database functions ─────────────

/**
 * Database functions the API roles may execute: mirrors the GRANT EXECUTE statements in the
 * migrations (everything else is REVOKEd from PUBLIC). SECURITY DEFINER functions are narrow doors
 * through RLS, e.g. operators decide approvals only through decide_agent_approval.
 */
export interface RoutinePolicy {
  /** The function's regprocedure, as has_function_privilege() takes it. */
  signature: string;
  roles: readonly Exclude<Role, "anon">[];
}

export const ROUTINES = {
  decide_agent_approval: { signature: "gateway.decide_agent_approval(uuid, text, text)", roles: ["authenticated", "service_role"] },
  expire_agent_approvals: { signature: "gateway.expire_agent_approvals()", roles: ["service_role"] },
} as const satisfies Record<string, RoutinePolicy>;

export type RoutineName = keyof typeof ROUTINES;

/** May this role execute the database function? anon may execute none. */
export function canExecute(role: Role, routine: RoutineName): boolean {
  return (ROUTINES[routine].roles as readonly Role[]).includes(role);
}
