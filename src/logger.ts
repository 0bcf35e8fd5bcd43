/**
 * A tiny structured logger: one JSON object per line on stdout, so any log collector can parse it
 * without a dependency. Child loggers carry bound fields (e.g. requestId).
 */
import type { YogaLogger } from "graphql-yoga";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  /** Where each JSON line goes (tests capture it); defaults to stdout. */
  write?: (line: string) => void;
  base?: LogFields;
}

export function createLogger(level: LogLevel = "info", options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const make = (base: LogFields): Logger => {
    const emit = (at: Exclude<LogLevel, "silent">) => (msg: string, fields?: LogFields) => {
      if (RANK[at] < RANK[level]) return;
      const entry = { time: new Date().toISOString(), level: at, msg, ...base, ...fields };
      write(JSON.stringify(entry, replaceErrors) + "\n");
    };
    return {
      level,
      debug: emit("debug"),
      info: emit("info"),
      warn: emit("warn"),
      error: emit("error"),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.base ?? {});
}

/** Errors have no enumerable fields; spell out what an operator needs (server-side only). */
function replaceErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const extra = value as Error & { code?: unknown; meta?: unknown };
  return {
    name: value.name,
    message: value.message,
    ...(extra.code !== undefined && { code: extra.code }),
    ...(extra.meta !== undefined && { meta: extra.meta }),
    stack: value.stack,
    ...(value.cause !== undefined && { cause: value.cause }),
  };
}

/** Adapts our logger to the variadic interface graphql-yoga logs through. */
export function toYogaLogger(logger: Logger): YogaLogger {
  // yoga logs a masked error once when masking it and again when handling it: keep one line.
  const seen = new WeakSet<Error>();
  const adapt =
    (at: "debug" | "info" | "warn" | "error") =>
    (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (first instanceof Error) {
        if (seen.has(first)) return;
        seen.add(first);
        logger[at](first.message, { err: first, ...(rest.length > 0 && { args: rest }) });
      } else logger[at](String(first), rest.length > 0 ? { args: rest } : undefined);
    };
  return { debug: adapt("debug"), info: adapt("info"), warn: adapt("warn"), error: adapt("error") };
}
