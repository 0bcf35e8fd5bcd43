// Trusted documents against a real gateway on a real database: catalogue operations run by id (the
// codegen manifest's, or Apollo's hash) in every mode; with TRUSTED_DOCUMENTS on, the restricted callers
// (agent keys, anon, anonymous sign-ins; everyone with "all") run nothing else, however the document is
// spelled, and an ad-hoc one is refused with TRUSTED_DOCUMENT_REQUIRED before validation and before SQL.
import { getIntrospectionQuery, parse, print } from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAgentKey } from "../src/auth/agent-keys.ts";
import { loadCatalogue } from "../src/catalogue/index.ts";
import { loadConfig } from "../src/config.ts";
import { signDevToken } from "../src/context/auth.ts";
import { createDatabase } from "../src/db/client.ts";
import { schema } from "../src/schema/index.ts";
import { configProblems } from "./support/config.ts";
import { startTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const catalogue = loadCatalogue(schema);
const tiles = catalogue.byName("DashboardTiles")!;

let db: TestDatabase;
let agentKey: string;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const { prisma } = createDatabase(db.url, { poolMax: 1 });
  agentKey = (await createAgentKey(prisma, "trusted-docs-bot")).key;
  await prisma.$disconnect();
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await db.close();
});

async function gatewayWith(mode: string): Promise<TestGateway> {
  const gw = await startTestGateway({ databaseUrl: db.url, env: { TRUSTED_DOCUMENTS: mode } });
  gateways.push(gw);
  return gw;
}

const anonymousSignIn = () =>
  signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "0f5a1c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b", expiresIn: "1h", claims: { is_anonymous: true } });

interface Sent {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function send(gw: TestGateway, body: Record<string, unknown>, authorization?: string): Promise<Sent> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/graphql-response+json" };
  if (authorization) headers.authorization = authorization;
  const response = await fetch(gw.url, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Sent["body"] };
}

const codeOf = (res: Sent) => res.body.errors?.[0]?.extensions?.code;

describe("TRUSTED_DOCUMENTS=authenticated", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await gatewayWith("authenticated");
  });

  test("an agent key's ad-hoc document is refused: 403 TRUSTED_DOCUMENT_REQUIRED, no data, no schema hints", async () => {
    const res = await send(gw, { query: "{ viewer { role } dashbord { asOf } }" }, `Bearer ${agentKey}`);
    expect(res.status).toBe(403);
    expect(res.body.data).toBeUndefined();
    expect(codeOf(res)).toBe("TRUSTED_DOCUMENT_REQUIRED");
    expect(res.body.errors![0].message).toMatch(/only catalogue operations \(TRUSTED_DOCUMENTS=authenticated\)/);
    // Refused before validation: the misspelt field earns no "Did you mean" hint.
    expect(JSON.stringify(res.body)).not.toMatch(/dashboard|Did you mean/);
  });

  test("an agent key runs a catalogue operation by documentId, by Apollo's hash, and by its text however formatted", async () => {
    const byId = await send(gw, { documentId: tiles.id, operationName: tiles.name }, `Bearer ${agentKey}`);
    expect(byId.status).toBe(200);
    expect(byId.body.errors).toBeUndefined();
    expect(byId.body.data?.dashboard).toMatchObject({ asOf: expect.any(String) });

    const apq = await send(
      gw,
      { extensions: { persistedQuery: { version: 1, sha256Hash: tiles.id.slice("sha256:".length) } } },
      `Bearer ${agentKey}`,
    );
    expect(apq.body.errors).toBeUndefined();
    expect(apq.body.data).toEqual(byId.body.data);

    // The canonical print, the document as the file spells it, and on one line: all the same operation.
    for (const query of [tiles.text, print(tiles.document), print(parse(tiles.text)).replace(/\s+/g, " ")]) {
      const res = await send(gw, { query, operationName: "DashboardTiles" }, `Bearer ${agentKey}`);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual(byId.body.data);
    }
  });

  test("a catalogue operation changed in any way, or named as another, is ad-hoc", async () => {
    const extraField = print(tiles.document).replace("asOf\n", "asOf\n    __typename\n");
    expect(extraField).not.toBe(print(tiles.document));
    for (const body of [
      { query: extraField },
      { query: tiles.text, operationName: "DashboardPage" },
      { query: `${tiles.text}\nquery Other { viewer { role } }`, operationName: "DashboardTiles" },
    ]) {
      const res = await send(gw, body, `Bearer ${agentKey}`);
      expect(codeOf(res), JSON.stringify(body).slice(0, 80)).toBe("TRUSTED_DOCUMENT_REQUIRED");
    }
  });

  test("anon and anonymous sign-ins are held to the catalogue too", async () => {
    expect(codeOf(await send(gw, { query: "{ viewer { role } }" }))).toBe("TRUSTED_DOCUMENT_REQUIRED");
    expect(codeOf(await send(gw, { query: "{ viewer { role } }" }, `Bearer ${await anonymousSignIn()}`))).toBe("TRUSTED_DOCUMENT_REQUIRED");
  });

  test("operators and back-office service_role tokens keep arbitrary documents: GraphiQL exploration works", async () => {
    for (const role of ["authenticated", "service_role"] as const) {
      const token = await signDevToken(TEST_JWT_SECRET, role, { sub: `${role}-user`, expiresIn: "1h" });
      const res = await send(gw, { query: getIntrospectionQuery() }, `Bearer ${token}`);
      expect(res.body.errors, role).toBeUndefined();
      expect(res.body.data?.__schema).toBeDefined();
      expect((await send(gw, { query: "{ viewer { role } }" }, `Bearer ${token}`)).body.data).toEqual({ viewer: { role } });
    }
  });

  test("an unknown id is 404 PERSISTED_DOCUMENT_NOT_FOUND; neither query nor id is 400", async () => {
    const unknown = await send(gw, { documentId: `sha256:${"0".repeat(64)}` }, `Bearer ${agentKey}`);
    expect(unknown.status).toBe(404);
    expect(codeOf(unknown)).toBe("PERSISTED_DOCUMENT_NOT_FOUND");
    const empty = await send(gw, {}, `Bearer ${agentKey}`);
    expect(empty.status).toBe(400);
    expect(empty.body.errors![0].message).toMatch(/Must provide query string/);
  });

  test("a live-queue subscription by an agent key: the catalogue's runs, an ad-hoc one is refused", async () => {
    const events = catalogue.byName("ApprovalQueueEvents")!;
    const open = (body: Record<string, unknown>) =>
      fetch(gw.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${agentKey}` },
        body: JSON.stringify(body),
      });
    const adHoc = await open({ query: "subscription { approvalQueueEvents { event } }" });
    expect(adHoc.status).toBe(403);
    await adHoc.body?.cancel();
    const trusted = await open({ documentId: events.id });
    expect(trusted.status).toBe(200);
    expect(trusted.headers.get("content-type")).toMatch(/text\/event-stream/);
    await trusted.body?.cancel();
  });
});

describe("TRUSTED_DOCUMENTS=all and off", () => {
  test("all: an operator's ad-hoc document is refused, the catalogue's runs", async () => {
    const gw = await gatewayWith("all");
    const token = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "operator-1", expiresIn: "1h" });
    expect(codeOf(await send(gw, { query: "{ viewer { role } }" }, `Bearer ${token}`))).toBe("TRUSTED_DOCUMENT_REQUIRED");
    const res = await send(gw, { documentId: tiles.id }, `Bearer ${token}`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.dashboard).toBeDefined();
  });

  test("off: an agent key sends anything, and ids still work", async () => {
    const gw = await gatewayWith("off");
    expect((await send(gw, { query: "{ viewer { role } }" }, `Bearer ${agentKey}`)).body.data).toEqual({ viewer: { role: "service_role" } });
    expect((await send(gw, { documentId: tiles.id }, `Bearer ${agentKey}`)).body.data?.dashboard).toBeDefined();
  });
});

describe("configuration", () => {
  test("off in embedded mode, authenticated with DATABASE_URL; anything else is a config error", () => {
    expect(loadConfig({}).trustedDocuments).toBe("off");
    expect(loadConfig({ DATABASE_URL: db.url, SUPABASE_JWT_SECRET: TEST_JWT_SECRET }).trustedDocuments).toBe("authenticated");
    expect(loadConfig({ DATABASE_URL: db.url, SUPABASE_JWT_SECRET: TEST_JWT_SECRET, TRUSTED_DOCUMENTS: " ALL " }).trustedDocuments).toBe("all");
    expect(configProblems({ TRUSTED_DOCUMENTS: "sometimes" })).toEqual([
      expect.stringMatching(/^TRUSTED_DOCUMENTS: must be off, authenticated or all \(got "sometimes"\)/),
    ]);
  });
});
