// The demo seeder's old entry point, kept while tests still import it: everything is in ./index.ts.
export * from "./index.ts";
