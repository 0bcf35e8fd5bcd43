/**
 * The import rules of src/ (README, "Layout"; .dependency-cruiser.cjs): the data layer knows no
 * GraphQL, the layers below it know neither, and nothing imports in a circle (type-only imports
 * included). `npm run lint` runs the same check; here it fails the suite as well.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

test("imports follow the layers and form no cycle", async () => {
  const bin = path.join(root, "node_modules/.bin/depcruise");
  const run = promisify(execFile)(bin, ["src", "scripts", "tests", "console/src", "--config", ".dependency-cruiser.cjs", "--output-type", "err"], {
    cwd: root,
  });
  const outcome = await run.then(
    ({ stdout }) => ({ ok: true, output: stdout }),
    (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
  );
  expect(outcome.ok, outcome.output).toBe(true);
}, 60_000);
