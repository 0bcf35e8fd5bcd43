/**
 * Prisma passes `contains` / `startsWith` / `endsWith` text to LIKE / ILIKE as is, so % and _ in a
 * user's search act as wildcards ("LST-_" would match "LST-A"). Escape them to search literally.
 */
export const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
