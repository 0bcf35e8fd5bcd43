/**
 * Runs the real entry point (`npm start` = tsx src/index.ts) as a child process with a clean
 * environment, for tests of what an operator sees at start: output, exit code, the banner.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface EntryRun {
  stdout: string;
  stderr: string;
  /** Exit code, or null while still running (when `until` matched). */
  code: number | null;
  child: ChildProcess;
  /** SIGTERM and wait for the exit (idempotent). */
  stop(): Promise<void>;
}

/**
 * Starts src/index.ts with only PATH/HOME from this process plus `env`. Resolves at exit, or as soon
 * as stdout+stderr match `until` (the process then keeps running until stop()).
 */
export function runEntryPoint(env: Record<string, string>, options: { until?: RegExp; timeoutMs?: number } = {}): Promise<EntryRun> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: EntryRun = {
    stdout: "",
    stderr: "",
    code: null,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`entry point did not finish within ${options.timeoutMs ?? 60_000} ms:\n${run.stdout}\n${run.stderr}`));
    }, options.timeoutMs ?? 60_000);
    const check = () => {
      if (options.until?.test(run.stdout + run.stderr)) {
        clearTimeout(timer);
        resolve(run);
      }
    };
    child.stdout.on("data", (chunk: Buffer) => ((run.stdout += chunk.toString()), check()));
    child.stderr.on("data", (chunk: Buffer) => ((run.stderr += chunk.toString()), check()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      run.code = code;
      resolve(run);
    });
  });
}

/** The GraphQL URL from the banner. */
export const bannerUrl = (run: EntryRun) => /Graph(?:i)?QL\s+(http\S+)/.exec(run.stdout)?.[1];
