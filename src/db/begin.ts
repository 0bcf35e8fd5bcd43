/**
 * One round trip fewer per RLS transaction: BEGIN travels with the role switch. @prisma/adapter-pg
 * starts a transaction with its own `BEGIN` statement and waits for it; the first statement of every
 * RLS transaction is then applyViewer's set_config (src/db/rls.ts). Here the BEGIN is held back and
 * sent in front of that statement as one simple-protocol query, `BEGIN; SELECT set_config(...)`, its
 * parameters written as literals by pg's own escapeLiteral. On loopback a round trip costs more CPU
 * (the socket write) than most statements do: a small read spent a fifth of its time there.
 *
 * Anything else that follows a held BEGIN gets it first, as before. A BEGIN that fails (the server
 * went away) fails the statement it travels with, which applyViewer reports as the transaction not
 * starting, exactly as a failed BEGIN was.
 */
import type pg from "pg";

/** applyViewer's statement: set_config calls only, parameters $1…$n. */
const ROLE_SWITCH = /^select set_config\('role', \$1, true\)/;

type QueryConfig = { text?: unknown; values?: unknown; submit?: unknown; callback?: unknown };
const isBegin = (config: QueryConfig) => config.text === "BEGIN" && (!Array.isArray(config.values) || config.values.length === 0);

/** `text` with $1…$n replaced by the values as SQL literals; undefined unless every value is a string. */
function inlined(client: pg.PoolClient, text: string, values: unknown[]): string | undefined {
  if (!values.every((v): v is string => typeof v === "string")) return undefined;
  return text.replace(/\$(\d+)/g, (_m, n: string) => client.escapeLiteral(values[Number(n) - 1]));
}

export function sendBeginWithRoleSwitch(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  let held = false;
  client.query = function (this: pg.PoolClient, ...args: unknown[]) {
    const config = args[0] as QueryConfig | null | undefined;
    const promiseForm = args.length === 1 && config != null && typeof config === "object" && typeof config.submit !== "function" && !config.callback;
    if (!promiseForm) {
      if (!held) return query(...args);
      held = false;
      return (query("BEGIN") as Promise<unknown>).then(() => query(...args));
    }
    if (isBegin(config)) {
      held = true;
      return Promise.resolve({ command: "BEGIN", rowCount: null, rows: [], fields: [] });
    }
    if (!held) return query(...args);
    held = false;
    const text = typeof config.text === "string" && ROLE_SWITCH.test(config.text) && inlined(client, config.text, (config.values as unknown[]) ?? []);
    if (text) return query({ ...config, text: `BEGIN; ${text}`, values: undefined });
    return (query("BEGIN") as Promise<unknown>).then(() => query(...args));
  } as typeof client.query;
}
