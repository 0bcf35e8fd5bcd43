/**
 * What the agent proposes, readably: the payload's JSON as nested key–value lists. A gated
 * operation's payload ({ operation, documentId, variables, document }) shows the operation and
 * its variables first; the document text and its id are one click away.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

function Value({ value }: { value: Json }) {
  if (value === null) return <span class="json-null">none</span>;
  if (typeof value === "boolean") return <span class="json-scalar">{value ? "yes" : "no"}</span>;
  if (typeof value === "number") return <span class="json-scalar json-number">{value}</span>;
  if (typeof value === "string") return value.includes("\n") ? <pre class="json-text">{value}</pre> : <span class="json-scalar">{value}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="json-null">empty list</span>;
    return (
      <ol class="json-list">
        {value.map((entry, i) => (
          <li key={i}>
            <Value value={entry} />
          </li>
        ))}
      </ol>
    );
  }
  return <Fields value={value} />;
}

function Fields({ value }: { value: Record<string, Json> }) {
  const entries = Object.entries(value);
  if (entries.length === 0) return <span class="json-null">nothing</span>;
  return (
    <dl class="json-fields">
      {entries.map(([key, entry]) => (
        <div key={key} class="json-field">
          <dt>{key}</dt>
          <dd>
            <Value value={entry} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

interface GatedOperation {
  operation: string;
  documentId?: Json;
  variables?: Json;
  document?: Json;
}

const isGated = (payload: Record<string, Json>): payload is Record<string, Json> & GatedOperation =>
  typeof payload.operation === "string" && ("variables" in payload || "documentId" in payload || "document" in payload);

export function PayloadView({ payload }: { payload: unknown }) {
  const value = payload as Json;
  if (!isObject(value) || !isGated(value)) return <div class="payload">{isObject(value) ? <Fields value={value} /> : <Value value={value} />}</div>;
  const { operation, documentId, variables, document, ...rest } = value;
  return (
    <div class="payload gated">
      <p class="operation">
        Runs <code>{operation}</code>
      </p>
      <div class="variables">
        <span class="caption">with</span>
        {isObject(variables ?? null) ? <Fields value={variables as Record<string, Json>} /> : <Value value={variables ?? null} />}
      </div>
      {Object.keys(rest).length > 0 && <Fields value={rest} />}
      {(typeof document === "string" || typeof documentId === "string") && (
        <details class="document">
          <summary>The operation's document</summary>
          {typeof documentId === "string" && <p class="help document-id">{documentId}</p>}
          {typeof document === "string" && <pre>{document}</pre>}
        </details>
      )}
    </div>
  );
}
