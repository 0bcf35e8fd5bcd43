// Parity: what the GraphQL layer allows equals what PostgreSQL allows, for every table × role ×
// operation, row rules included. The GraphQL side is src/auth/policy.ts as wired into the schema
// (every type, root field and mutation carries a scope derived from it); the database side is probed
// with real statements under SET LOCAL ROLE + JWT claims (tests/support/rls-probe.ts).
// A table that exists in the database without a policy entry (or the other way round) fails here.
import { GraphQLObjectType, getNamedType, type GraphQLField, type GraphQLSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POLICIES, ROUTINES, TABLES, can, canExecute, rowAllowed, type Operation, type RoutineName, type TableName } from "../src/auth/policy.ts";
import type { Viewer } from "../src/context/types.ts";
import { schema } from "../src/schema/index.ts";
import { signDevToken } from "../src/context/auth.ts";
import {
  ANONYMOUS_SUB,
  CALLERS,
  CLAIMS,
  ID,
  OPERATIONS,
  OPERATOR_SUB,
  ROLES,
  ROUTINE_CALLS,
  SEED_SQL,
  attempt,
  dbRoleOf,
  sqlFor,
  type Caller,
} from "./support/rls-probe.ts";
import { startTestGateway, TEST_JWT_SECRET, type GqlOptions, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
let gw: TestGateway;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(SEED_SQL);
  gw = await startTestGateway({ databaseUrl: db.url });
});
afterAll(async () => {
  await gw?.close();
  await db?.close();
});

// Four kinds of callers: anon, an anonymous sign-in (role authenticated, is_anonymous: true), an
// operator and service_role. The anonymous one must get exactly what anon gets: nothing (D1).
const viewerFor = (caller: Caller): Viewer => ({
  role: dbRoleOf(caller),
  subject: caller === "authenticated" ? OPERATOR_SUB : caller === "anonymous" ? ANONYMOUS_SUB : null,
  claims: CLAIMS[caller],
});

/** How a caller authenticates over HTTP. */
async function asCaller(caller: Caller): Promise<GqlOptions> {
  if (caller !== "anonymous") return { role: caller, sub: OPERATOR_SUB };
  const token = await signDevToken(TEST_JWT_SECRET, "authenticated", {
    sub: ANONYMOUS_SUB,
    expiresIn: "1h",
    claims: { is_anonymous: true, amr: [{ method: "anonymous" }] },
  });
  return { authorization: `Bearer ${token}` };
}

// decisionAal is the session's sign-in strength (DECISION_MIN_AAL), not a role's grant: tests/identity.test.ts covers it.
type Scope = { access?: { table: TableName; op: Operation | Operation[] }; execute?: RoutineName; decisionAal?: true; $all?: Scope };
type ScopeOption = Scope | ((parent: unknown, ctx: unknown) => Scope | boolean);
const scopeOf = (thing: { extensions?: unknown }) =>
  (thing.extensions as { pothosOptions?: { authScopes?: ScopeOption } } | undefined)?.pothosOptions?.authScopes;

/** Every requirement a scope states (nested $all included); a field passes when all of them pass. */
function requirements(scope: Scope): Array<{ table: TableName; op: Operation } | { routine: RoutineName }> {
  const own = [
    ...(scope.access ? (Array.isArray(scope.access.op) ? scope.access.op : [scope.access.op]).map((op) => ({ table: scope.access!.table, op })) : []),
    ...(scope.execute ? [{ routine: scope.execute }] : []),
  ];
  if (Object.keys(scope).some((k) => !["access", "execute", "decisionAal", "$all"].includes(k)))
    throw new Error(`unexpected scope ${JSON.stringify(scope)}`);
  return [...own, ...(scope.$all ? requirements(scope.$all) : [])];
}
const modelOf = (type: unknown) => (type as { extensions?: { pothosPrismaModel?: string } }).extensions?.pothosPrismaModel;

/** Owner's view of a table's rows (RLS does not apply to the owner). */
const allRows = async (table: TableName) => (await db.pool.query(`SELECT * FROM public."${table}"`)).rows as Record<string, unknown>[];

describe("the policy table covers the database exactly", () => {
  test("every table with row-level security has a policy entry, and every entry a table", async () => {
    const { rows } = await db.pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND rowsecurity`);
    expect(rows.map((r) => r.tablename).sort()).toEqual([...TABLES].sort());
    const { rows: unprotected } = await db.pool.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND NOT rowsecurity AND tablename <> '_prisma_migrations'`,
    );
    expect(unprotected).toEqual([]);
  });

  test("every database function an API role may execute is in ROUTINES, with the same roles", async () => {
    const { rows } = await db.pool.query<{ signature: string; role: string }>(
      `SELECT p.oid::regprocedure::text AS signature, r.rolname AS role
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         CROSS JOIN (VALUES ('anon'), ('authenticated'), ('service_role')) AS r(rolname)
        WHERE n.nspname IN ('public', 'gateway') AND p.prosecdef AND has_function_privilege(r.rolname, p.oid, 'EXECUTE')`,
    );
    const granted = rows.map((r) => `${r.signature} ${r.role}`).sort();
    const normalized = async (signature: string) => (await db.pool.query(`SELECT $1::regprocedure::text AS s`, [signature])).rows[0].s as string;
    const declared: string[] = [];
    for (const routine of Object.values(ROUTINES)) {
      for (const role of routine.roles) declared.push(`${await normalized(routine.signature)} ${role}`);
    }
    declared.sort();
    expect(granted).toEqual(declared);
  });
});

describe("the GraphQL schema is guarded by the policy table everywhere", () => {
  const objectTypes = Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => t instanceof GraphQLObjectType && !!modelOf(t));

  test("every Prisma-backed type requires select on its own table", () => {
    for (const type of objectTypes) {
      const table = TABLES.find((t) => POLICIES[t].model === modelOf(type));
      expect(table, `${type.name}: model ${modelOf(type)} has no policy entry`).toBeDefined();
      // A type may add a row check (a function scope); for a row its rule admits it must still ask for select.
      const scope = scopeOf(type);
      const stated = typeof scope === "function" ? scope({ level: "INFO" }, { viewer: viewerFor("service_role") }) : scope;
      expect(stated, type.name).toEqual({ access: { table, op: "select" } });
    }
  });

  test("every table an API role may read is reachable through at least one GraphQL type", () => {
    const models = new Set(objectTypes.map(modelOf));
    // A table no role may read (agent_keys: the gateway's own) has no GraphQL type, by design.
    const readable = TABLES.filter((t) => ROLES.some((role) => can(role, t, "select")));
    expect(readable.filter((t) => !models.has(POLICIES[t].model))).toEqual([]);
  });

  // Prisma loads a relation in the parent's query whatever the role, so a relation into a table the
  // parent's readers cannot see would fail the whole parent in PostgreSQL. Such fields must be
  // loader-based and resolve to null (see AgentApproval.run).
  test("Prisma relations only reach tables every reader of the parent may read", () => {
    const tableOf = (type: unknown) => TABLES.find((t) => POLICIES[t].model === modelOf(type));
    const leaks: string[] = [];
    for (const type of objectTypes) {
      for (const field of Object.values(type.getFields())) {
        if (!(field.extensions as Record<string, unknown>).pothosPrismaRelationField) continue;
        const [from, to] = [tableOf(type)!, tableOf(getNamedType(field.type))!];
        for (const role of CALLERS) if (can(role, from, "select") && !can(role, to, "select")) leaks.push(`${type.name}.${field.name} (${role})`);
      }
    }
    expect(leaks).toEqual([]);
  });

  const rootFields = (s: GraphQLSchema) =>
    [s.getQueryType(), s.getMutationType(), s.getSubscriptionType()].flatMap((root) =>
      root ? Object.values(root.getFields()).map((field) => ({ root: root.name, field })) : [],
    );

  test("every root field and mutation states the access it needs (only viewer is open)", () => {
    const unguarded = rootFields(schema)
      .filter(({ field }) => !scopeOf(field) && field.name !== "viewer")
      .map(({ root, field }) => `${root}.${field.name}`);
    expect(unguarded).toEqual([]);
  });
});

// ───────────── every table × role × operation: policy table vs database ─────────────

const cells = TABLES.flatMap((table) => CALLERS.flatMap((role) => OPERATIONS.map((op) => ({ table, role, op }))));

describe("policy table vs database, cell by cell", () => {
  test.each(cells)("$table: $role $op", async ({ table, role, op }) => {
    const viewer = viewerFor(role);
    const outcome = await attempt(db.pool, role, sqlFor(table, op));
    if (op === "select") {
      // Rows the database shows must be exactly the rows the policy's row rule admits.
      const expected = (await allRows(table))
        .filter((row) => rowAllowed(viewer, table, "select", row))
        .map((r) => r.id ?? r.run_id)
        .sort();
      const seen = outcome.allowed ? outcome.result.rows.map((r) => r.id ?? r.run_id).sort() : [];
      expect(seen, `${role} select ${table}`).toEqual(expected);
      expect(can(role, table, "select")).toBe(expected.length > 0);
    } else {
      const graphqlAllows = can(role, table, op);
      expect(
        outcome.allowed,
        `${role} ${op} ${table}: GraphQL says ${graphqlAllows}, database says ${outcome.allowed ? "allowed" : outcome.why}`,
      ).toBe(graphqlAllows);
    }
  });

  // Row rules on writes: the same row is refused by both layers, and admitted by both.
  test.each([
    { annotator: OPERATOR_SUB, sub: OPERATOR_SUB },
    { annotator: "someone-else", sub: OPERATOR_SUB },
    { annotator: OPERATOR_SUB, sub: "" },
    { annotator: null, sub: OPERATOR_SUB },
  ])("AgentFeedback insert by authenticated: annotator $annotator, token sub '$sub'", async ({ annotator, sub }) => {
    const viewer: Viewer = { role: "authenticated", subject: sub, claims: { role: "authenticated", sub } };
    const sql = `INSERT INTO "AgentFeedback" ("conversationId", "approvalId", annotator) VALUES ('cw-1', '${ID.approval}', ${annotator === null ? "NULL" : `'${annotator}'`})`;
    const outcome = await attempt(db.pool, "authenticated", sql, viewer.claims);
    expect(outcome.allowed).toBe(rowAllowed(viewer, "AgentFeedback", "insert", { annotator }));
  });

  // D4: the rows only the database and the vault write are refused to direct inserts, in both layers.
  test.each([
    { scope: "ops", action: "noted" },
    { scope: "agent_approval", action: "noted" },
    { scope: "credentials", action: "noted" },
    { scope: " Agent_Approval ", action: "noted" },
    { scope: "ops", action: "approval.approved" },
    { scope: "ops", action: "Credential.read" },
    { scope: "cx", action: "approvals_reviewed" },
  ])("DecisionLog insert by service_role: scope '$scope', action '$action'", async ({ scope, action }) => {
    const viewer = viewerFor("service_role");
    const outcome = await attempt(
      db.pool,
      "service_role",
      `INSERT INTO "DecisionLog" (scope, actor, action) VALUES ('${scope}', 'alice', '${action}')`,
    );
    expect(outcome.allowed).toBe(rowAllowed(viewer, "DecisionLog", "insert", { scope, action }));
  });
});

describe("database functions: the policy's ROUTINES equal what each caller can really run", () => {
  test("every routine has a probe call", () => {
    expect(Object.keys(ROUTINE_CALLS).sort()).toEqual(Object.keys(ROUTINES).sort());
  });
  // Calls, not just EXECUTE grants: the decision function refuses an anonymous sign-in itself.
  test.each((Object.keys(ROUTINES) as RoutineName[]).flatMap((routine) => CALLERS.map((caller) => ({ routine, caller }))))(
    "$routine as $caller",
    async ({ routine, caller }) => {
      const outcome = await attempt(db.pool, caller, ROUTINE_CALLS[routine]);
      expect(outcome.allowed, outcome.allowed ? "ran" : `${outcome.why} ${outcome.message ?? ""}`).toBe(canExecute(caller, routine));
    },
  );
});

// ───────────── through GraphQL over HTTP: lists and their counts ─────────────

/** Each table's root list field (a Relay connection over the table's type), found in the schema. */
function rootConnections(): Map<TableName, string> {
  const found = new Map<TableName, string>();
  for (const field of Object.values(schema.getQueryType()!.getFields()) as GraphQLField<unknown, unknown>[]) {
    const type = getNamedType(field.type);
    if (!(type instanceof GraphQLObjectType) || !type.name.endsWith("Connection") || !type.getFields().totalCount) continue;
    const node = getNamedType((getNamedType(type.getFields().edges.type) as GraphQLObjectType).getFields().node.type);
    const table = TABLES.find((t) => POLICIES[t].model === modelOf(node));
    if (table && !found.has(table)) found.set(table, field.name);
  }
  return found;
}

describe("GraphQL lists agree with the database for every role", () => {
  const connections = [...rootConnections()];
  test("most tables have a root list (the rest are reached through relations)", () => {
    expect(connections.length).toBeGreaterThanOrEqual(15);
  });

  test.each(connections.flatMap(([table, field]) => CALLERS.map((role) => ({ table, field, role }))))(
    "$field ($table) as $role",
    async ({ table, field, role }) => {
      const res = await gw.gql(`{ ${field} { totalCount } }`, {}, await asCaller(role));
      const outcome = await attempt(db.pool, role, `SELECT count(*)::int AS n FROM public."${table}"`);
      const dbCount = outcome.allowed ? (outcome.result.rows[0].n as number) : null;
      if (!can(role, table, "select")) {
        expect(res.body.errors?.[0]?.extensions?.code).toBe(role === "anon" ? "UNAUTHENTICATED" : "FORBIDDEN");
        // Refused outright, or (an anonymous sign-in runs as authenticated) every row hidden.
        expect(dbCount ?? 0).toBe(0);
      } else {
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data[field].totalCount).toBe(dbCount);
      }
    },
  );
});

// ───────────── mutations: the role check equals the database's answer ─────────────

describe("every mutation is allowed exactly when the database would allow its writes", () => {
  const mutations = Object.values(schema.getMutationType()!.getFields());
  test.each(mutations.flatMap((m) => CALLERS.map((role) => ({ name: m.name, scope: scopeOf(m) as Scope, role }))))(
    "$name as $role",
    async ({ scope, role }) => {
      let graphqlAllows = true;
      let databaseAllows = true;
      for (const need of requirements(scope)) {
        if ("routine" in need) {
          graphqlAllows &&= canExecute(role, need.routine);
          databaseAllows &&= (await attempt(db.pool, role, ROUTINE_CALLS[need.routine])).allowed;
        } else {
          graphqlAllows &&= can(role, need.table, need.op);
          databaseAllows &&= (await attempt(db.pool, role, sqlFor(need.table, need.op))).allowed;
        }
      }
      expect(graphqlAllows).toBe(databaseAllows);
    },
  );
});
