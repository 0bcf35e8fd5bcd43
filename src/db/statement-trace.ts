/**
 * Tracing of one operation's SQL statements, with the trace context carried to PostgreSQL in a
 * sqlcommenter comment: `select … /*traceparent='00-<trace id>-<span id>-01'*\/`, so a slow statement
 * in the server's log or pg_stat_activity leads back to its trace. The db layer knows no tracing
 * library: the operation's ConnectionWatch brings a StatementTracer (src/plugins/tracing.ts makes it),
 * and only connections attached to a traced operation come here (see observeStatements in client.ts).
 *
 * What the comment must not break:
 *  - named prepared statements: pg binds a name to one text per connection, so they get no comment;
 *  - begin.ts: it recognises `BEGIN` exactly and the role switch by its prefix; transaction control
 *    gets no comment, the role switch keeps its prefix (the comment goes at the end, with no `$`);
 *  - client.ts's operation token: it is read from the original arguments, before this runs.
 */

/** One statement's span, as the tracer started it. */
export interface StatementSpan {
  /** The W3C traceparent of the statement's span (`00-<trace>-<span>-<flags>`), for the SQL comment. */
  traceparent: string;
  /** The statement ended; `error` when it failed. */
  end(error?: unknown): void;
}

/** What a traced operation does with each statement it sends: `text` is the SQL with its $n placeholders, never the values. */
export interface StatementTracer {
  start(text: string): StatementSpan;
}

type QueryConfig = { text?: unknown; name?: unknown; submit?: unknown; callback?: unknown };
type Callback = (err: Error | null, result?: unknown) => void;

/** Statements that carry no comment (begin.ts matches BEGIN exactly; a comment on them would say nothing). */
const TRANSACTION_CONTROL = /^\s*(begin|commit|rollback|start transaction|savepoint|release)\b/i;

/** The sqlcommenter suffix: keys and values URL-encoded, the value in single quotes. */
export function sqlComment(traceparent: string): string {
  return `/*traceparent='${encodeURIComponent(traceparent)}'*/`;
}

/**
 * Sends `args` through `query` inside a span of `tracer`, with the span's traceparent appended to the
 * statement text. Promise and callback forms keep their contracts; submittables (cursors, streams)
 * are sent untouched and untraced.
 */
export function sendTraced(tracer: StatementTracer, args: unknown[], query: (...args: unknown[]) => unknown): unknown {
  const first = args[0];
  const config = typeof first === "object" && first !== null ? (first as QueryConfig) : undefined;
  const text = typeof first === "string" ? first : config?.text;
  if (typeof text !== "string" || typeof config?.submit === "function" || typeof config?.callback === "function") return query(...args);

  const span = tracer.start(text);
  const commented = config?.name === undefined && !TRANSACTION_CONTROL.test(text) ? `${text} ${sqlComment(span.traceparent)}` : text;
  const sent = [...args];
  if (commented !== text) sent[0] = config ? { ...config, text: commented } : commented;

  const last = sent.length - 1;
  if (typeof sent[last] === "function") {
    const callback = sent[last] as Callback;
    sent[last] = (err: Error | null, result?: unknown) => {
      span.end(err ?? undefined);
      callback(err, result);
    };
    return query(...sent);
  }
  let result: unknown;
  try {
    result = query(...sent);
  } catch (error) {
    span.end(error);
    throw error;
  }
  void (result as Promise<unknown>).then(
    () => span.end(),
    (error: unknown) => span.end(error),
  );
  return result;
}
