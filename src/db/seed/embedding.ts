// The toy text embedding of the demo knowledge base: a hashed bag of words, deterministic and offline,
// so chunks are searchable without an embedding model (tests embed their queries the same way).
import { EMBEDDING_DIMENSIONS } from "../../lib/embedding.ts";
import { fnv1a } from "./random.ts";

const STOPWORDS = new Set(
  (
    "a an and are as at be been but by can do does for from has have how i if in into is it its of on or our " +
    "so that the their them then there these this to was we what when where which who will with you your yours " +
    "my me us they he she not no yes all any each than too very just also may might should would could " +
    // Generic words carry no topic; without corpus-wide IDF they would rank chunks as high as real terms.
    "how long much many take get got make need want know like use used using one two about after before up " +
    "out over only more most other some such same own now here please thanks thank hi hello did"
  ).split(" "),
);

/** Lower-cased word tokens without stop words; a trailing plural "s" is dropped so "pumps" matches "pump". */
export function tokenize(text: string): string[] {
  const words = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  const tokens: string[] = [];
  for (let w of words) {
    if (!w || STOPWORDS.has(w)) continue;
    if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
    tokens.push(w);
  }
  return tokens;
}

/**
 * A deterministic 1536-dim embedding: hashed bag of words (unigrams, plus bigrams at half weight so
 * "fuel pump" beats "fuel" + "pump" far apart), sub-linear term frequency, L2-normalised. Cosine
 * similarity between two embeddings is therefore a TF-weighted word-overlap score in [0, 1]: crude next
 * to a real model, but meaningful and offline. Text without any word gives the zero vector.
 */
export function embedText(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  const tokens = tokenize(text);
  const weights = new Map<string, number>();
  const add = (term: string, weight: number) => weights.set(term, (weights.get(term) ?? 0) + weight);
  tokens.forEach((token, i) => {
    add(token, 1);
    if (i > 0) add(`${tokens[i - 1]} ${token}`, 0.5);
  });
  for (const [term, tf] of weights) vector[fnv1a(term) % EMBEDDING_DIMENSIONS] += 1 + Math.log(tf);
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/**
 * The SQL text of an embedding for knowledge_chunks.embedding: '[…]' for pgvector's vector(1536),
 * '{…}' for the real[] fallback (see `select gateway.vector_enabled()`). Cast it in SQL (::vector or ::real[]).
 */
export function embeddingLiteral(embedding: readonly number[], vectorEnabled: boolean): string {
  const body = embedding.map((x) => (x === 0 ? "0" : String(Math.round(x * 1e7) / 1e7))).join(",");
  return vectorEnabled ? `[${body}]` : `{${body}}`;
}
