// The operation catalogue (operations/**/*.graphql, src/catalogue): every operation validates, is
// described, has the id the codegen manifest gives it, and states who may run it, derived from the
// policy table; the derivation agrees with what the running gateway answers each kind of caller; the
// mutations an agent may only propose are all in it, marked gated.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Kind, parse, OperationTypeNode, type GraphQLObjectType } from "graphql";
import { describe, expect, test } from "vitest";
import { GATED_MUTATIONS } from "../src/auth/policy.ts";
import { CatalogueError, loadCatalogue, OPERATIONS_DIR } from "../src/catalogue/index.ts";
import { schema } from "../src/schema/index.ts";
import { useTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { signDevToken } from "../src/context/auth.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";

const catalogue = loadCatalogue(schema);
const root = path.resolve(import.meta.dirname, "..");

/** Who may run each operation: read from the policy table through the schema's auth scopes, never typed by hand in src/. */
const EXPECTED_ROLES: Record<string, string[]> = {
  // The dashboard UI's
  Viewer: ["anon", "anonymous", "authenticated", "service_role"], // who am I: anyone may ask
  DashboardPage: ["authenticated", "service_role"],
  CampaignList: ["authenticated", "service_role"],
  ApprovalQueue: ["authenticated", "service_role"],
  DecideApproval: ["authenticated"], // humans decide (D5): not service_role, not agent keys
  ConsoleApprovalEvents: ["authenticated", "service_role"],
  ConsoleApprovalDetails: ["authenticated", "service_role"],
  SubmitApprovalFeedback: ["authenticated", "service_role"],
  // The agents'
  SubmitAgentApproval: ["service_role"],
  ExecuteApprovedAction: ["service_role"], // agent keys their own agent's approvals; back-office tokens any
  AgentApprovalDecision: ["authenticated", "service_role"],
  AgentApprovals: ["authenticated", "service_role"],
  ApprovalQueueEvents: ["authenticated", "service_role"],
  RecordAgentRun: ["service_role"],
  FinishAgentRun: ["service_role"],
  RecordAgentQcChecks: ["service_role"],
  LogLlmCalls: ["service_role"],
  LogDecision: ["service_role"],
  IngestAdsMetrics: ["service_role"],
  IngestDashboardFacts: ["service_role"],
  IngestInventorySnapshots: ["service_role"],
  IngestKnowledgeDocument: ["service_role"],
  RecordObservabilityLogs: ["service_role"],
  DashboardTiles: ["authenticated", "service_role"],
  SearchKnowledge: ["service_role"],
  CreateAdsCampaign: ["service_role"],
  UpdateAdsCampaign: ["service_role"],
  ArchiveAdsCampaign: ["service_role"],
  PutCredential: ["service_role"],
  DeleteCredential: ["service_role"],
  CreateSupportCuratedReply: ["service_role"],
  UpdateSupportCuratedReply: ["service_role"],
  DeleteSupportCuratedReply: ["service_role"],
};

test("every operation in operations/ is in the catalogue, validated and described", () => {
  const names = catalogue.operations.map((op) => op.name);
  for (const op of catalogue.operations) {
    const source = readFileSync(path.join(OPERATIONS_DIR, op.file), "utf8");
    expect(parse(source).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === op.name)).toBe(true);
    expect(op.description.length, op.name).toBeGreaterThan(10);
  }
  expect(new Set(names).size).toBe(names.length);
});

test.each(Object.entries(EXPECTED_ROLES))("%s may be run by %j", (name, roles) => {
  expect(catalogue.byName(name)?.roles).toEqual(roles);
});

test("the table above covers the whole catalogue", () => {
  expect(catalogue.operations.map((op) => op.name).sort()).toEqual(
    Object.keys(EXPECTED_ROLES)
      .filter((name) => catalogue.byName(name))
      .sort(),
  );
  // Operations added by later work (the execution of approved actions) still need an entry.
  for (const op of catalogue.operations) expect(EXPECTED_ROLES[op.name], `${op.name} needs a row in EXPECTED_ROLES`).toBeDefined();
});

test("ids are the codegen manifest's (src/generated/operations/persisted-documents.json; `npm run codegen` after changing operations/)", () => {
  const manifest = JSON.parse(readFileSync(path.join(root, "src/generated/operations/persisted-documents.json"), "utf8")) as Record<string, string>;
  expect(Object.fromEntries(catalogue.operations.map((op) => [op.id, op.text]))).toEqual(manifest);
  for (const id of Object.keys(manifest)) expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test("every gated mutation is a Mutation field an agent can propose through the catalogue; only operations using one are gated", () => {
  const mutationFields = (schema.getMutationType() as GraphQLObjectType).getFields();
  for (const field of GATED_MUTATIONS) {
    expect(mutationFields[field], field).toBeDefined();
    expect(
      catalogue.operations.filter((op) => op.rootFields.includes(field)).map((op) => op.gated),
      field,
    ).toEqual([true]);
  }
  for (const op of catalogue.operations)
    expect(op.gated).toBe(op.type === OperationTypeNode.MUTATION && op.rootFields.some((f) => GATED_MUTATIONS.has(f)));
});

test("queries are idempotent; mutations only where marked @idempotent (the ingestions and updates)", () => {
  const idempotentMutations = catalogue.operations.filter((op) => op.type === OperationTypeNode.MUTATION && op.idempotent).map((op) => op.name);
  expect(idempotentMutations.sort()).toEqual(
    [
      "ArchiveAdsCampaign",
      "IngestAdsMetrics",
      "IngestDashboardFacts",
      "IngestInventorySnapshots",
      "UpdateAdsCampaign",
      "UpdateSupportCuratedReply",
    ].sort(),
  );
  for (const op of catalogue.operations) if (op.type === OperationTypeNode.QUERY) expect(op.idempotent).toBe(true);
});

test("a broken catalogue stops the gateway with every problem named", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "catalogue-"));
  writeFileSync(
    path.join(dir, "a.graphql"),
    "# Reads.\nquery A { viewer { rol } }\n\nquery B { viewer { role } }\n# Twice.\nquery A2 { viewer { role } }\n",
  );
  writeFileSync(
    path.join(dir, "b.graphql"),
    '# Twice.\nquery A2 { viewer { subject } }\n# Not a gated action alone.\nmutation M { deleteSupportCuratedReply(id: "00000000-0000-4000-8000-000000000000") expireAgentApprovals { __typename } }\n',
  );
  let error: unknown;
  try {
    loadCatalogue(schema, dir);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CatalogueError);
  const message = (error as Error).message;
  expect(message).toMatch(/a\.graphql A: Cannot query field "rol" on type "Viewer"/);
  expect(message).toMatch(/a\.graphql B: describe it/);
  expect(message).toMatch(/the operation name A2 is used twice/);
  expect(message).toMatch(/b\.graphql M: a gated mutation .* must be the operation's only root field/);
});

// What the gateway answers each kind of caller agrees with the derived roles: a role outside them is
// refused (FORBIDDEN or UNAUTHENTICATED), a role inside them is not. Queries only: they change nothing.
let gw: TestGateway;
useTestGateway((_db, g) => {
  gw = g;
});

const SAMPLE_VARIABLES: Record<string, Record<string, unknown>> = {
  AgentApprovalDecision: { id: "7d8e1a52-9c1b-4b8e-9f65-0a4e2f3b1c6d" },
  ConsoleApprovalDetails: { id: "7d8e1a52-9c1b-4b8e-9f65-0a4e2f3b1c6d" },
  // Small enough for anon's cost budget, so the answer is about the role, not the cost.
  CampaignList: { first: 1, range: { from: "2025-01-01", to: "2025-01-07" } },
  SearchKnowledge: { embedding: Array.from({ length: 1536 }, () => 0.01) },
};
const AUTH_CODES = ["FORBIDDEN", "UNAUTHENTICATED"];

describe("the derived roles match the gateway's answers", () => {
  const queries = catalogue.operations.filter((op) => op.type === OperationTypeNode.QUERY);
  const callers = {
    anon: () => Promise.resolve(undefined),
    anonymous: () => signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "5b0c3f7e-1d2a-4c6b-8e9f-0a1b2c3d4e5f", claims: { is_anonymous: true } }),
    authenticated: () => signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "6f1d3c8e-0000-4000-8000-000000000001" }),
    service_role: () => signDevToken(TEST_JWT_SECRET, "service_role", { sub: "svc" }),
  } as const;
  test.each(queries.flatMap((op) => Object.keys(callers).map((role) => ({ name: op.name, role }))))("$name as $role", async ({ name, role }) => {
    const op = catalogue.byName(name)!;
    const token = await callers[role as keyof typeof callers]();
    const res = await gw.gql(op.text, SAMPLE_VARIABLES[name] ?? {}, {
      operationName: name,
      ...(token ? { authorization: `Bearer ${token}` } : { role: "anon" }),
    });
    const authErrors = (res.body.errors ?? []).filter((e) => AUTH_CODES.includes(String(e.extensions?.code)));
    if (op.roles.includes(role as (typeof op.roles)[number])) expect(authErrors, JSON.stringify(res.body.errors)).toEqual([]);
    else expect(authErrors.length, JSON.stringify(res.body)).toBeGreaterThan(0);
  });
});
