/**
 * `npm run codegen`: scripts/print-schema.ts first writes schema.graphql (committed) from the Pothos
 * schema; then GraphQL Code Generator types the dashboard's operations in operations/*.graphql
 * into src/generated/operations: typed document nodes, so a client (the UI, typed tests) can send
 * them with checked variables and results. Nothing imports them yet; generating them already
 * proves every operation is valid against the schema.
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
      presetConfig: { fragmentMasking: false },
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
