// Statements per request: the runtime's counter (Database.statementCount()) on an in-process gateway
// built by the same createGateway().
import { CAMPAIGN_BY_ID_QUERY, CAMPAIGNS_QUERY, DASHBOARD_QUERY, graphqlHeaders, type Role, ROLES } from "./queries.ts";
import { JWT_SECRET, last30, last7, last90, settings } from "./settings.ts";

/** Statements per request of each scenario and role, keyed "<scenario>:<role>"; smallId is the campaign the small read asks for. */
export async function countStatements(tokens: Record<Role, string>, smallId: string): Promise<Record<string, number>> {
  const { createDatabase } = await import("../../src/db/client.ts");
  const { createGateway } = await import("../../src/server.ts");
  const { loadConfig } = await import("../../src/config.ts");
  const { createLogger } = await import("../../src/logger.ts");
  const { schema } = await import("../../src/schema/index.ts");
  const config = { ...loadConfig({ DATABASE_URL: settings.databaseUrl, SUPABASE_JWT_SECRET: JWT_SECRET, LOG_LEVEL: "error" }), port: 0 };
  const database = createDatabase(settings.databaseUrl, { ...config.db, poolMax: settings.poolMax });
  const gateway = createGateway({ config, database, schema, logger: createLogger("error") });
  const { url } = await gateway.listen();
  const counts: Record<string, number> = {};
  const campaigns = { query: CAMPAIGNS_QUERY, variables: { range: last30 } };
  const variants: Record<string, { query: string; variables?: Record<string, unknown> }> = {
    dashboard: { query: DASHBOARD_QUERY },
    small: { query: CAMPAIGN_BY_ID_QUERY, variables: { id: smallId, ...last7 } },
    campaigns,
    campaigns90: { ...campaigns, variables: { range: last90 } },
    // Same shapes with 10× fewer campaigns: the count must not change.
    "dashboard (1 campaign)": { query: DASHBOARD_QUERY.replace("campaigns(first: 10)", "campaigns(first: 1)") },
    "campaigns (first 10)": { ...campaigns, query: CAMPAIGNS_QUERY.replace("first: 100", "first: 10") },
  };
  try {
    for (const [name, request] of Object.entries(variants)) {
      for (const role of ROLES) {
        const repeats = 5;
        const before = database.statementCount();
        for (let i = 0; i < repeats; i++) {
          const response = await fetch(url, {
            method: "POST",
            headers: graphqlHeaders(tokens[role]),
            body: JSON.stringify(request),
          });
          const body = (await response.json()) as { errors?: unknown[] };
          if (body.errors) throw new Error(`${name} as ${role}: ${JSON.stringify(body.errors)}`);
        }
        counts[`${name}:${role}`] = (database.statementCount() - before) / repeats;
      }
    }
  } finally {
    await gateway.close();
    await database.close();
  }
  return counts;
}
