// Agent keys CLI (npm run agent-key -- …), on DATABASE_URL when set, otherwise the embedded PGlite
// in .data/pglite (stop `npm start` first: the embedded database has one owner at a time).
//   create <agent-name> [--expires <days>]   prints the new key once, as the last line of stdout
//   list                                     every key: agent, id, created, expires, revoked, last used
//   revoke <agent-name|key-id>               revokes one key (ak_…) or every active key of an agent
// Only the key's SHA-256 hash is stored; a revocation reaches every running gateway at once (NOTIFY).
import { AgentKeyAdminError, createAgentKey, keyState, listAgentKeys, revokeAgentKeys, type AgentKeyRecord } from "../src/auth/agent-keys.ts";
import { createDatabase } from "../src/db/client.ts";
import { openDatabase } from "../src/db/open.ts";
import { databaseLocation } from "../src/config.ts";
import type { PrismaClient } from "../src/generated/prisma/client.ts";
import { describeStartupError } from "../src/startup.ts";

const USAGE = "usage: npm run agent-key -- create <agent-name> [--expires <days>] | list | revoke <agent-name|key-id>";

class UsageError extends Error {}

const day = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, "Z") : "-");

function parseCreate(args: string[]): { agent: string; expiresInDays?: number } {
  const [agent, ...rest] = args;
  if (!agent || agent.startsWith("-")) throw new UsageError("create needs an agent name");
  if (rest.length === 0) return { agent };
  if (rest.length !== 2 || rest[0] !== "--expires") throw new UsageError(`unexpected arguments: ${rest.join(" ")}`);
  const days = Number(rest[1]);
  if (rest[1].trim() === "" || !Number.isFinite(days)) throw new UsageError("--expires takes a number of days");
  return { agent, expiresInDays: days };
}

function printList(keys: AgentKeyRecord[]): void {
  if (keys.length === 0) {
    console.log("No agent keys. Create one with: npm run agent-key -- create <agent-name>");
    return;
  }
  const rows = [
    ["AGENT", "KEY ID", "STATE", "CREATED", "EXPIRES", "REVOKED", "LAST USED"],
    ...keys.map((k) => [
      k.agent,
      k.id,
      keyState(k).replace("KEY_", "").toLowerCase(),
      day(k.createdAt),
      day(k.expiresAt),
      day(k.revokedAt),
      day(k.lastUsedAt),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    );
}

async function run(prisma: PrismaClient, command: string, args: string[]): Promise<void> {
  switch (command) {
    case "create": {
      const { agent, expiresInDays } = parseCreate(args);
      const created = await createAgentKey(prisma, agent, { expiresInDays });
      console.log(`Created agent key ${created.id} for agent "${created.agent}" (expires ${created.expiresAt ? day(created.expiresAt) : "never"}).`);
      console.log("It is shown only this once; the database keeps its hash. Send it as  Authorization: Bearer <key>  or  apikey: <key>");
      console.log(created.key); // the last line, for scripts: KEY=$(npm run -s agent-key -- create x | tail -n1)
      return;
    }
    case "list":
      if (args.length) throw new UsageError("list takes no arguments");
      printList(await listAgentKeys(prisma));
      return;
    case "revoke": {
      if (args.length !== 1) throw new UsageError("revoke needs one agent name or key id");
      const revoked = await revokeAgentKeys(prisma, args[0]);
      for (const k of revoked) console.log(`Revoked ${k.id} (agent "${k.agent}"); every gateway refuses it from its next request.`);
      return;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : "no command");
  }
}

async function main(): Promise<number> {
  const [command = "", ...args] = process.argv.slice(2);
  if (!["create", "list", "revoke"].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const { databaseUrl, pgliteDataDir } = databaseLocation();
  const db = await openDatabase({ databaseUrl, dataDir: pgliteDataDir });
  const database = createDatabase(db.url, { poolMax: 1 });
  try {
    console.error(db.embedded ? `Using embedded PGlite (${db.url})` : "Using DATABASE_URL");
    await run(database.prisma, command, args);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  } finally {
    await database.close();
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: { code?: unknown; message?: string; toString(): string }) => {
    // One line, like scripts/db.ts: a stable code, then the cause (never echoing DATABASE_URL).
    const code = err instanceof AgentKeyAdminError || typeof err?.code === "string" ? String(err.code) : "ERROR";
    const known = describeStartupError(err, { host: "", port: 0, databaseUrl: databaseLocation().databaseUrl });
    const missing = code === "P2021" ? "the agent_keys table is missing: run `npm run db:migrate`" : undefined;
    console.error(`error [${code}] ${(missing ?? known ?? err?.message ?? String(err)).replaceAll("\n", " ")}`);
    process.exit(1);
  },
);
