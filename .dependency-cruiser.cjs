/**
 * The import rules of src/ (README, "Layout"): requests flow server → plugins → render → schema → data → db,
 * and imports only point down that flow. `npm run lint` runs this check; it fails on any violation.
 * Type-only imports count: a cycle through types is still a knot for the reader.
 */
const GRAPHQL_LAYER = "^src/(schema|plugins|render|context|catalogue|mcp|server\\.ts|index\\.ts)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment: "No import cycle, type-only imports included.",
      from: { path: "^(src|scripts)/" },
      to: { circular: true },
    },
    {
      name: "data-knows-no-graphql",
      severity: "error",
      comment: "src/data/ holds data access and loaders: it imports db/, auth/, lib/ and src/errors.ts, never the GraphQL layer.",
      from: { path: "^src/data/" },
      to: { path: GRAPHQL_LAYER },
    },
    {
      name: "lower-layers-know-no-graphql",
      severity: "error",
      comment: "db/, auth/, lib/, vault/, pubsub/ and jobs/ sit below the GraphQL layer.",
      from: { path: "^src/(db|auth|lib|vault|pubsub|jobs)/|^src/errors\\.ts$" },
      to: { path: GRAPHQL_LAYER },
    },
    {
      name: "db-is-the-bottom",
      severity: "error",
      comment: "db/ is used by everything above it and uses none of it (only the viewer's type).",
      from: { path: "^src/db/" },
      to: { path: "^src/(data|pubsub|jobs|vault)/|^src/auth/(?!viewer\\.ts$)" },
    },
    {
      name: "lib-is-a-leaf",
      severity: "error",
      comment: "lib/ holds generic helpers: it imports only other helpers, the shared errors and generated types.",
      from: { path: "^src/lib/" },
      to: { path: "^src/", pathNot: "^src/(lib/|errors\\.ts$|generated/)" },
    },
    {
      name: "event-types-import-nothing",
      severity: "error",
      comment: "src/pubsub/types.ts and src/auth/viewer.ts are shapes every layer may use.",
      from: { path: "^src/(pubsub/types|auth/viewer)\\.ts$" },
      to: { path: "^src/" },
    },
    {
      name: "schema-does-not-use-plugins",
      severity: "error",
      comment: "The schema is built without the HTTP plugins; plugins read the schema, not the reverse.",
      from: { path: "^src/schema/" },
      to: { path: "^src/(plugins|render|server\\.ts)" },
    },
    {
      name: "catalogue-is-below-plugins",
      comment: "src/catalogue/ (operations/ loaded and checked against the schema) sits on the schema; plugins, /mcp and the server read it.",
      severity: "error",
      from: { path: "^src/catalogue/" },
      to: { path: "^src/(plugins|render|mcp|server\\.ts|index\\.ts)" },
    },
    {
      name: "console-uses-the-public-api-only",
      severity: "error",
      comment: "console/ (the browser app) reaches the gateway through GraphQL over HTTP alone: of src/ it imports only the generated operations.",
      from: { path: "^console/" },
      to: { path: "^src/(?!generated/operations/)" },
    },
    {
      name: "render-is-below-plugins",
      severity: "error",
      comment: "src/render/ (root lists drawn by PostgreSQL) executes the schema; only plugins and the server use it.",
      from: { path: "^src/render/" },
      to: { path: "^src/(plugins|server\\.ts|index\\.ts)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // The typed operations stay visible: console-uses-the-public-api-only is about them.
    exclude: { path: "^src/generated/(?!operations/)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js"] },
  },
};
