/** Scalars: UUID and JSON from graphql-scalars; DateTime, Date and Decimal tuned to Prisma's values. */
import { GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { ClientError } from "../errors.ts";
import { JSONResolver, UUIDResolver, DateTimeResolver } from "graphql-scalars";
import { Prisma } from "../generated/prisma/client.ts";
import { formatDate, parseDate } from "../lib/dates.ts";
import { builder } from "./builder.ts";

builder.addScalarType("UUID", UUIDResolver);
/** Deepest JSON input accepted: real payloads nest a few levels; thousands only exhaust the stack. */
export const MAX_JSON_DEPTH = 64;

/** Children of a JSON value (variables) and of a GraphQL literal (inline input), for the depth walk. */
const valueChildren = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value !== null && typeof value === "object" ? Object.values(value) : [];
const literalChildren = (node: ValueNode): ValueNode[] =>
  node.kind === Kind.OBJECT ? node.fields.map((f) => f.value) : node.kind === Kind.LIST ? [...node.values] : [];

/** Refuses input nested deeper than MAX_JSON_DEPTH. Iterative, so the check itself cannot overflow. */
function checkDepth<T>(root: T, childrenOf: (value: T) => T[]): T {
  const stack: Array<[T, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    const children = childrenOf(current);
    if (children.length === 0) continue;
    if (depth > MAX_JSON_DEPTH) {
      throw new ClientError(`JSON input must not be nested more than ${MAX_JSON_DEPTH} levels deep.`, "BAD_USER_INPUT");
    }
    for (const child of children) stack.push([child, depth + 1]);
  }
  return root;
}

const json = JSONResolver.toConfig();
builder.addScalarType(
  "JSON",
  new GraphQLScalarType({
    ...json,
    parseValue: (value): unknown => json.parseValue(checkDepth(value, valueChildren)),
    parseLiteral: (ast, variables): unknown => json.parseLiteral(checkDepth(ast, literalChildren), variables),
  }),
);
builder.addScalarType("DateTime", DateTimeResolver);

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
  throw new ClientError(`Decimal must be a decimal number such as "3.25"; got ${JSON.stringify(value)}.`, "BAD_USER_INPUT");
}

builder.scalarType("Decimal", {
  description: 'An exact decimal number, serialized as a string ("3.25") so no precision is lost.',
  serialize: (value) =>
    // Text already in the form toFixed() gives (e.g. PostgreSQL's trim_scale(numeric)::text) is sent as is: same output, no Decimal built.
    typeof value === "string" && CANONICAL_DECIMAL.test(value) && value !== "-0"
      ? value
      : value instanceof Prisma.Decimal
        ? value.toFixed()
        : new Prisma.Decimal(value).toFixed(),
  parseValue: parseDecimal,
  parseLiteral: (ast) => parseDecimal(ast.kind === Kind.STRING || ast.kind === Kind.FLOAT || ast.kind === Kind.INT ? ast.value : undefined),
});
