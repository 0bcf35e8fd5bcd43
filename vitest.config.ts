import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CommonJS (main) and ESM (module) builds. Node loads the CommonJS one for every
    // package, but Vite would hand our sources the ESM one: two GraphQLError classes, and
    // `instanceof GraphQLError` checks (error masking) fail only under test. Pin the one Node uses.
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    // Child processes: PGlite (WASM) and pg sockets are happier there than in worker threads.
    pool: "forks",
    // Two cores: two files at a time, each with its own database (see tests/support/test-database.ts).
    fileParallelism: true,
    maxWorkers: 2,
    // Real databases: a cold PGlite initdb alone takes several seconds on a loaded 2-core box.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
