/** SQL text helpers for the few statements that cannot take parameters (LISTEN, CREATE DATABASE, dynamic identifiers). */

/** A PostgreSQL identifier, double-quoted, embedded quotes doubled: safe for any name. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
