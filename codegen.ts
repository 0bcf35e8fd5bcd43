/**
 * `npm run codegen`: scripts/print-schema.ts first writes schema.graphql (committed) from the Pothos
 * schema; then GraphQL Code Generator types the catalogue's operations (operations/**\/*.graphql, the
 * dashboard's and the agents') into src/generated/operations: typed document nodes, so a client (the
 * UI, typed tests) can send them with checked variables and results, and persisted-documents.json, the
 * catalogue's manifest. `npm install` runs this second step (postinstall); schema.graphql is committed.
 */
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["operations/**/*.graphql"],
  ignoreNoDocuments: false,
  // ESM output with explicit ".js" extensions, as NodeNext resolution requires.
  emitLegacyCommonJSImports: false,
  generates: {
    "src/generated/operations/": {
      preset: "client",
      // persisted-documents.json: the catalogue's manifest, id (SHA-256 of the canonical print) → document,
      // the same ids src/catalogue computes at start-up; typed documents carry theirs in __meta__.hash.
      presetConfig: { fragmentMasking: false, persistedDocuments: { mode: "embedHashInDocument", hashAlgorithm: "sha256" } },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { UUID: "string", DateTime: "string", Date: "string", Decimal: "string", JSON: "unknown" },
      },
    },
  },
};

export default config;
