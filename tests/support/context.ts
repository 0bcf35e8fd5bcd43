// What the global setup hands to test files (through vitest's provide/inject) about where test
// databases come from. Values must be structured-clone serialisable.
export type TestDatabaseSource =
  | {
      kind: "server";
      /** How the server was found: TEST_DATABASE_URL, the local server on 127.0.0.1:5432, or testcontainers. */
      origin: "TEST_DATABASE_URL" | "local" | "testcontainers";
      /** A URL with CREATEDB rights; test databases are created next to its database. */
      adminUrl: string;
      /** The migrated template database that createTestDatabase() copies. */
      template: string;
      /** Prefix of this run's databases (hd_test_<pid>_...), so teardown can sweep leftovers. */
      testPrefix: string;
      cacheDir: string;
    }
  | {
      kind: "pglite";
      origin: "pglite";
      /** dumpDataDir() tarball of a migrated PGlite (with pgvector); each test file loads its own copy. */
      snapshotFile: string;
      cacheDir: string;
    };

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: TestDatabaseSource;
  }
}
