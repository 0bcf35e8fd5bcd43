// The size of a knowledge chunk embedding, shared by the data layer (input checks) and the demo seeder.

/** Dimensions of knowledge_chunks.embedding (OpenAI text-embedding-3-small upstream). */
export const EMBEDDING_DIMENSIONS = 1536;
