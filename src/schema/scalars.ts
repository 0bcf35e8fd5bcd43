/** Scalars: UUID and JSON from graphql-scalars; DateTime, Date and Decimal tuned to Prisma's values. */
import { GraphQLError, Kind } from "graphql";
import { JSONResolver, UUIDResolver, DateTimeResolver } from "graphql-scalars";
import { Prisma } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";

builder.addScalarType("UUID", UUIDResolver);
builder.addScalarType("JSON", JSONResolver);
builder.addScalarType("DateTime", DateTimeResolver);

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a calendar date "YYYY-MM-DD" (UTC midnight, as Prisma stores @db.Date). */
export function parseDate(value: unknown): Date {
  if (typeof value === "string" && DATE_PATTERN.test(value)) {
    const date = new Date(`${value}T00:00:00.000Z`);
    if (!Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)) return date;
  }
  throw new GraphQLError(`Date must be a calendar date "YYYY-MM-DD"; got ${JSON.stringify(value)}.`, {
    extensions: { code: "BAD_USER_INPUT" },
  });
}

export const formatDate = (date: Date) => date.toISOString().slice(0, 10);

builder.scalarType("Date", {
  description: 'A calendar date, "YYYY-MM-DD" (UTC).',
  serialize: (value) => formatDate(value instanceof Date ? value : new Date(value as string)),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;
/** A decimal as Prisma.Decimal#toFixed() writes it: no leading zeros, no trailing fractional zeros. */
const CANONICAL_DECIMAL = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;

function parseDecimal(value: unknown): Prisma.Decimal {
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  if (typeof text === "string" && DECIMAL_PATTERN.test(text)) return new Prisma.Decimal(text);
  throw new GraphQLError(`Decimal must be a decimal number such as "3.25"; got ${JSON.stringify(value)}.`, {
    extensions: { code: "BAD_USER_INPUT" },
  });
}

builder.scalarType("Decimal", {
  description: 'An exact decimal number, serialized as a string ("3.25") so no precision is lost.',
  serialize: (value) =>
    // Text already in the form toFixed() gives (e.g. PostgreSQL's trim_scale(numeric)::text) is sent as is: same output, no Decimal built.
    typeof value === "string" && CANONICAL_DECIMAL.test(value) && value !== "-0"
      ? value
      : value instanceof Prisma.Decimal
        ? value.toFixed()
        : new Prisma.Decimal(value as string | number).toFixed(),
  parseValue: parseDecimal,
  parseLiteral: (ast) =>
    parseDecimal(ast.kind === Kind.STRING || ast.kind === Kind.FLOAT || ast.kind === Kind.INT ? ast.value : undefined),
});
