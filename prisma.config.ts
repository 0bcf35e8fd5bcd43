import path from "node:path";
import { defineConfig } from "prisma/config";

// Prisma's CLI insists on a native schema-engine binary before `generate` even though generate
// never runs it. Pointing it at our stub keeps the CLI offline; migrations run through
// `npm run db:migrate` (src/db/migrate.ts), which writes Prisma's own _prisma_migrations history.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(import.meta.dirname, "scripts/schema-engine-offline");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // process.env, not env(): env() throws when DATABASE_URL is unset, which breaks generate on a fresh clone.
  datasource: { url: process.env.DATABASE_URL },
});
