/**
 * The one policy table: who may do what to which table.
 *
 * It mirrors the row-level security in prisma/migrations/*_row_level_security exactly. PostgreSQL
 * enforces RLS on every statement the gateway sends; this table lets the GraphQL layer refuse early
 * with a clear error and hide fields a role can never read. tests/rls-parity.test.ts walks every
 * table × role × operation and proves that what GraphQL allows equals what the database allows.
 * Adding a table without an entry here fails that test.
 *
 * Four kinds of callers (policyRoleOf): anon (no token), anonymous (a Supabase anonymous sign-in:
 * role authenticated with is_anonymous: true; it gets no more than anon), authenticated (an operator)
 * and service_role (agents, scripts, agent keys). The database tells anonymous from an operator with
 * gateway.is_operator() (migration 20251020000600_identity).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { Role, Viewer } from "./viewer.ts";

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

/**
 * The kind of caller the policy table knows: a database role, or "anonymous" for a Supabase anonymous
 * sign-in, which runs as the authenticated role but is not an operator.
 */
export type PolicyRole = Role | "anonymous";
export const POLICY_ROLES: readonly PolicyRole[] = ["anon", "anonymous", "authenticated", "service_role"];

/** Supabase's anonymous sign-ins carry role authenticated and is_anonymous: true (D1). */
export function policyRoleOf(viewer: Pick<Viewer, "role" | "claims">): PolicyRole {
  return viewer.role === "authenticated" && viewer.claims.is_anonymous === true ? "anonymous" : viewer.role;
}

/** The role whose budgets (body, depth, cost, time) a viewer gets: an anonymous sign-in gets anon's. */
export function budgetRoleOf(viewer: Pick<Viewer, "role" | "claims">): Role {
  return policyRoleOf(viewer) === "anonymous" ? "anon" : viewer.role;
}

/** Roles that get nothing from any table or function. */
const NOBODY: ReadonlySet<PolicyRole> = new Set(["anon", "anonymous"]);

/**
 * The audit rows only the database (approval transitions) and the vault (gateway.record_vault_audit)
 * write: nobody inserts them directly or through logDecision (D4). Mirrors gateway.is_reserved_audit().
 */
export const RESERVED_AUDIT_SCOPES = ["agent_approval", "credentials"] as const;
export const RESERVED_AUDIT_ACTION_PREFIXES = ["approval.", "credential."] as const;
export function isReservedAudit(row: { scope?: unknown; action?: unknown }): boolean {
  const norm = (v: unknown) => (typeof v === "string" ? v.trim().toLowerCase() : "");
  const scope = norm(row.scope);
  const action = norm(row.action);
  return (RESERVED_AUDIT_SCOPES as readonly string[]).includes(scope) || RESERVED_AUDIT_ACTION_PREFIXES.some((p) => action.startsWith(p));
}

/** The vault's audit scope: readable by service_role only, like the vault (D3). */
export const VAULT_AUDIT_SCOPE = "credentials";

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
  // Written only by gateway.begin_approved_execution (SECURITY DEFINER); append-only for everyone.
  AgentApprovalExecution: { model: "AgentApprovalExecution", authenticated: READ_ONLY, service_role: READ_ONLY },
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
  DecisionLog: {
    model: "DecisionLog",
    authenticated: {
      select: {
        description: `every row but the vault's (scope ${VAULT_AUDIT_SCOPE}: service_role only)`,
        where: () => ({ scope: { not: VAULT_AUDIT_SCOPE } }),
        check: (row) => row.scope !== VAULT_AUDIT_SCOPE,
      },
    },
    service_role: {
      select: true,
      insert: {
        description: `not the rows only the database and the vault write (scopes ${RESERVED_AUDIT_SCOPES.join(", ")}; actions ${RESERVED_AUDIT_ACTION_PREFIXES.map((p) => `${p}*`).join(", ")})`,
        check: (row) => !isReservedAudit(row),
      },
    },
  },

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
  // Agent keys (hashes): read only by the gateway's privileged connection, never by an API role.
  agent_keys: { model: "AgentKey", authenticated: {}, service_role: {} },
} as const satisfies Record<string, TablePolicy>;

export type TableName = keyof typeof POLICIES;
export const TABLES = Object.keys(POLICIES) as TableName[];

/** The grant a kind of caller has for an operation on a table, or undefined when denied. anon and anonymous have none. */
export function grantFor(role: PolicyRole, table: TableName, op: Operation): Grant | undefined {
  if (NOBODY.has(role)) return undefined;
  const grants: RoleGrants = POLICIES[table][role as Exclude<Role, "anon">];
  return grants[op];
}

/** May this kind of caller perform the operation on at least some rows of the table? */
export function can(role: PolicyRole, table: TableName, op: Operation): boolean {
  return grantFor(role, table, op) !== undefined;
}

/** Prisma `where` narrowing reads to the rows the viewer may see (undefined = all rows). */
export function rowFilter(viewer: Viewer, table: TableName, op: Operation = "select"): Record<string, unknown> | undefined {
  const grant = grantFor(policyRoleOf(viewer), table, op);
  return grant === undefined || grant === true ? undefined : grant.where?.(viewer);
}

/** Whether a row the viewer writes (or reads) satisfies the table's row rule. */
export function rowAllowed(viewer: Viewer, table: TableName, op: Operation, row: Record<string, unknown>): boolean {
  const grant = grantFor(policyRoleOf(viewer), table, op);
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
  // Decisions only by humans (D5): agents and scripts (service_role, agent keys) submit, never decide;
  // the function also refuses anonymous sign-ins and, with DECISION_MIN_AAL=aal2, single-factor sessions.
  decide_agent_approval: { signature: "gateway.decide_agent_approval(uuid, text, text)", roles: ["authenticated"] },
  expire_agent_approvals: { signature: "gateway.expire_agent_approvals()", roles: ["service_role"] },
  // Approved gated operations, executed once (src/data/agents/executions.ts): an agent key only its own
  // agent's approvals, a back-office service_role token any; operators decide, they do not execute.
  begin_approved_execution: { signature: "gateway.begin_approved_execution(uuid, text, jsonb)", roles: ["service_role"] },
  finish_approved_execution: { signature: "gateway.finish_approved_execution(uuid, jsonb)", roles: ["service_role"] },
  // The vault's audit rows (src/data/credentials.ts): the function names the caller itself.
  record_vault_audit: { signature: "gateway.record_vault_audit(jsonb)", roles: ["service_role"] },
} as const satisfies Record<string, RoutinePolicy>;

export type RoutineName = keyof typeof ROUTINES;

/** May this kind of caller execute the database function? anon and anonymous may execute none. */
export function canExecute(role: PolicyRole, routine: RoutineName): boolean {
  return (ROUTINES[routine].roles as readonly PolicyRole[]).includes(role);
}

// ───────────── The schema itself ─────────────

/**
 * Who may read the schema by introspection (__schema, __type) unless INTROSPECTION_ROLES says
 * otherwise: operators (GraphiQL, the dashboard's codegen) and service_role (agents, scripts). anon and
 * anonymous sign-ins get no map of the API (src/plugins/introspection.ts refuses them before any SQL).
 */
export const DEFAULT_INTROSPECTION_ROLES: readonly PolicyRole[] = ["authenticated", "service_role"];

/** May this viewer introspect, given the configured kinds of caller? An anonymous sign-in counts as "anonymous", not authenticated. */
export function mayIntrospect(viewer: Pick<Viewer, "role" | "claims">, allowed: readonly PolicyRole[]): boolean {
  return allowed.includes(policyRoleOf(viewer));
}

// ───────────── Decisions: how strong a sign-in ─────────────

/** Supabase's authenticator assurance levels: aal1 = one factor, aal2 = multi-factor (MFA). */
export const AALS = ["aal1", "aal2"] as const;
export type Aal = (typeof AALS)[number];

/**
 * Whether the viewer's session meets the store's minimum for deciding approvals (DECISION_MIN_AAL).
 * Mirrors gateway.decide_agent_approval(), which reads the minimum from gateway.settings; a token
 * without `aal` counts as aal1.
 */
export function meetsDecisionAal(viewer: Pick<Viewer, "claims">, minimum: Aal): boolean {
  if (minimum === "aal1") return true;
  const aal = typeof viewer.claims.aal === "string" ? viewer.claims.aal : "aal1";
  return aal === "aal2" || aal === "aal3";
}

/** Writes the store's minimum into the database, where gateway.decide_agent_approval() reads it. Owner only. */
export async function storeDecisionMinAal(pool: { query: (sql: string, params: unknown[]) => Promise<unknown> }, minimum: Aal): Promise<void> {
  await pool.query(
    `INSERT INTO gateway.settings ("key", "value", "updatedAt") VALUES ('decision_min_aal', $1, now())
     ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "updatedAt" = now()`,
    [minimum],
  );
}

/** Whether the viewer may read a table (for data functions that assemble rows by hand). */
export const canRead = (scope: { viewer: Pick<Viewer, "role" | "claims"> }, table: TableName) => can(policyRoleOf(scope.viewer), table, "select");

// ───────────── Agents: what they may only propose ─────────────

/**
 * Store-changing mutations an agent (a caller with an agent key, hdk_…) may only propose: called by
 * one, over /graphql or /mcp alike, the mutation does not run; the gateway submits an AgentApproval
 * holding the exact operation and variables, and after an operator approves it executeApprovedAction
 * runs it once. Back-office service_role tokens keep direct access. tests/catalogue.test.ts proves
 * each is a Mutation field and that the catalogue's operations using one are marked gated.
 */
export const GATED_MUTATIONS: ReadonlySet<string> = new Set([
  "createAdsCampaign",
  "updateAdsCampaign",
  "archiveAdsCampaign",
  "putCredential",
  "deleteCredential",
  "createSupportCuratedReply",
  "updateSupportCuratedReply",
  "deleteSupportCuratedReply",
]);

/** Whether this viewer's call of a Mutation field only proposes it (an agent key and a gated field). */
export const mustPropose = (viewer: Pick<Viewer, "agent">, mutationField: string): boolean =>
  viewer.agent !== undefined && GATED_MUTATIONS.has(mutationField);

// ───────────── Trusted documents: who may send any document ─────────────

/**
 * TRUSTED_DOCUMENTS: off = anyone may send any document; authenticated = operators (signed-in people)
 * and back-office service_role tokens may, while anon, anonymous sign-ins and agent keys may send only
 * catalogue operations (operations/, by id or by their exact text); all = everyone only catalogue
 * operations (GraphiQL exploration then needs the catalogue too).
 */
export const TRUSTED_DOCUMENT_MODES = ["off", "authenticated", "all"] as const;
export type TrustedDocumentMode = (typeof TRUSTED_DOCUMENT_MODES)[number];

/** Whether this viewer may send only catalogue operations under the mode. */
export function mustUseTrustedDocuments(viewer: Pick<Viewer, "role" | "claims" | "agent">, mode: TrustedDocumentMode): boolean {
  if (mode === "off") return false;
  if (mode === "all") return true;
  const role = policyRoleOf(viewer);
  return !(role === "authenticated" || (role === "service_role" && viewer.agent === undefined));
}

/**
 * Input fields holding a secret. In a proposed (gated) operation their values are sealed with the
 * vault's key before the approval is stored: operators, the approval's readers and the append-only
 * DecisionLog see that a secret is there, never the secret; executeApprovedAction opens it to run.
 */
export const SECRET_INPUT_FIELDS: ReadonlySet<string> = new Set(["PutCredentialInput.secret"]);
