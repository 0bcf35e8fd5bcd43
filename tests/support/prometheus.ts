/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4, what prom-client writes), so
 * tests look samples up by name and labels instead of matching the text. Any line it does not
 * understand, a sample without a # TYPE for its family, or a repeated series throws.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** # TYPE of each family (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const SUFFIXES = ["_bucket", "_sum", "_count", "_total", "_created"];

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const [index, line] of text.split("\n").entries()) {
    const fail = (why: string): never => {
      throw new Error(`exposition line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line === "") continue;
    if (line.startsWith("#")) {
      const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
      if (!meta) {
        if (/^# (HELP|TYPE)\b/.test(line)) fail("malformed HELP or TYPE");
        continue; // a plain comment
      }
      const [, kind, name, rest] = meta;
      if (kind === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) fail("unknown type");
        if (types.has(name)) fail("a second TYPE for the family");
        types.set(name, rest);
      } else help.set(name, rest);
      continue;
    }
    const name = NAME.exec(line)?.[0] ?? fail("no metric name");
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      rest = rest.slice(1);
      while (!rest.startsWith("}")) {
        const label = LABEL_NAME.exec(rest)?.[0] ?? fail("bad label name");
        rest = rest.slice(label.length);
        if (!rest.startsWith('="')) fail("label without a quoted value");
        rest = rest.slice(2);
        let value = "";
        for (;;) {
          const c = rest[0] ?? fail("unterminated label value");
          rest = rest.slice(1);
          if (c === '"') break;
          if (c === "\\") {
            const escaped = rest[0];
            rest = rest.slice(1);
            if (escaped === "n") value += "\n";
            else if (escaped === "\\" || escaped === '"') value += escaped;
            else fail("bad escape in a label value");
          } else value += c;
        }
        if (label in labels) fail("a label repeated");
        labels[label] = value;
        if (rest.startsWith(",")) rest = rest.slice(1);
        else if (!rest.startsWith("}")) fail("labels not separated by commas");
      }
      rest = rest.slice(1);
    }
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(" ") || parts.length < 1 || parts.length > 2) fail("no value");
    // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes "Nan").
    const special = { nan: NaN, "+inf": Infinity, inf: Infinity, "-inf": -Infinity }[parts[0].toLowerCase()];
    const value = special ?? Number(parts[0]);
    if (special === undefined && (Number.isNaN(value) || parts[0] === "")) fail("value is not a number");
    const family = familyOf(name, types);
    if (family === undefined) fail("sample without a # TYPE for its family");
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) fail("the same series twice");
    seen.add(key);
    samples.push({ name, labels, value });
  }
  return { types, help, samples };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const suffix = SUFFIXES.find((s) => name.endsWith(s) && types.has(name.slice(0, -s.length)));
  return suffix && name.slice(0, -suffix.length);
}

/** Samples of `name` whose labels include all of `labels`. */
export function samplesOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one series of `name` with exactly these labels (le excluded); undefined when absent. */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const exact = exposition.samples.filter(
    (s) => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length && samplesOf(exposition, name, labels).includes(s),
  );
  if (exact.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${exact.length} series`);
  return exact[0]?.value;
}

/** A histogram series: its buckets (le → cumulative count), sum and count. Throws when the buckets are not cumulative. */
export function histogramOf(exposition: Exposition, name: string, labels: Record<string, string>) {
  if (exposition.types.get(name) !== "histogram") throw new Error(`${name} is not a histogram`);
  const buckets = samplesOf(exposition, `${name}_bucket`, labels)
    .filter((s) => Object.keys(s.labels).length === Object.keys(labels).length + 1)
    .map((s) => ({ le: s.labels.le === "+Inf" ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
  const count = valueOf(exposition, `${name}_count`, labels);
  const sum = valueOf(exposition, `${name}_sum`, labels);
  if (count === undefined || sum === undefined) return undefined;
  for (let i = 1; i < buckets.length; i++) if (buckets[i].count < buckets[i - 1].count) throw new Error(`${name}: buckets not cumulative`);
  if (buckets.at(-1)?.le !== Infinity || buckets.at(-1)?.count !== count) throw new Error(`${name}: the +Inf bucket is not the count`);
  return { buckets, count, sum };
}
