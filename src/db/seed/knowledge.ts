// Demo knowledge base rows: documents, their chunks (embedded with the toy embedding) and metadata.
import { KNOWLEDGE } from "./content/knowledge.ts";
import { embeddingLiteral, embedText } from "./embedding.ts";
import type { Row } from "./insert.ts";
import type { Random } from "./random.ts";
import { minutesBefore, slug } from "./values.ts";

export function buildKnowledge(rng: Random, now: Date, vectorEnabled: boolean) {
  const documents: Row[] = [];
  const chunks: Row[] = [];
  const metadata: Row[] = [];
  KNOWLEDGE.forEach((doc, i) => {
    const id = rng.uuid();
    const createdAt = minutesBefore(now, rng.int(30, 200) * 24 * 60);
    const updatedAt = i % 3 === 0 ? minutesBefore(now, rng.int(1, 29) * 24 * 60) : createdAt;
    documents.push({
      id,
      title: doc.title,
      source: doc.source,
      source_url: `https://hotrodan.com/pages/${slug(doc.title).replaceAll("_", "-")}`,
      content: doc.paragraphs.join("\n\n"),
      created_at: createdAt,
      updated_at: updatedAt,
    });
    doc.paragraphs.forEach((paragraph, index) => {
      // The title travels with each chunk so a chunk is findable by what its document is about.
      const text = `${doc.title}: ${paragraph}`;
      chunks.push({
        id: rng.uuid(),
        document_id: id,
        chunk_index: index,
        content: paragraph,
        token_count: Math.ceil(paragraph.split(/\s+/).length * 1.33),
        embedding: embeddingLiteral(embedText(text), vectorEnabled),
        created_at: updatedAt,
        updated_at: updatedAt,
      });
    });
    const meta: Array<[string, string]> = [
      ["category", doc.category],
      ["tags", doc.tags.join(",")],
      ["confidence_score", (0.8 + (i % 5) * 0.04).toFixed(2)],
      ["language", "en"],
    ];
    for (const [key, value] of meta) {
      metadata.push({ id: rng.uuid(), document_id: id, key, value, created_at: createdAt, updated_at: createdAt });
    }
  });
  return { documents, chunks, metadata };
}
