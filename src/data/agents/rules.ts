/**
 * The limits and zod rules the agent inputs share (approvals, feedback, runs), so each bound is
 * written once and the schema side reads the same numbers for its list caps.
 */
import type { Prisma } from "../../generated/prisma/client.ts";
import { nonEmpty, z } from "../../lib/validation.ts";

/** Most rows one batch mutation writes (and so returns). */
export const MAX_BATCH = 1000;
/** Most labels on one feedback row: checked on write, capped on read. */
export const MAX_LABELS = 50;
/** Longest serialised JSON value or free text an agent may store. */
export const MAX_PAYLOAD_CHARS = 100_000;

export const jsonObject = z.record(z.string(), z.unknown(), { error: "must be a JSON object" });
export const boundedJson = (schema: z.ZodType<Record<string, unknown>>) =>
  schema.refine((v) => JSON.stringify(v).length <= MAX_PAYLOAD_CHARS, `must serialise to at most ${MAX_PAYLOAD_CHARS} characters`);
export const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
export const shortName = nonEmpty.max(200, "must be at most 200 characters");
export const score = z.number().int("must be an integer").min(1, "must be between 1 and 5").max(5, "must be between 1 and 5");
/** A Decimal scalar value (Prisma.Decimal or its string), absent or ≥ 0. */
export const cost = z.custom<Prisma.Decimal | string | null>((v) => v == null || Number(v) >= 0, "must be ≥ 0").optional();
/** A DateTimeRange input as the scalar parses it (its order is checked by dateTimeRangeWhere). */
export const names = z.array(z.string()).nullish();
