/** Writes schema.graphql from the Pothos schema (committed; tests/operations.test.ts fails when it is stale). */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { printSchemaFile } from "../src/schema/print.ts";

const target = path.resolve(import.meta.dirname, "../schema.graphql");
writeFileSync(target, printSchemaFile());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
