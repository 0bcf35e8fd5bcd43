// Demo support data: the curated replies operators approved for reuse.
import { DEMO_OPERATORS } from "./constants.ts";
import { CURATED_REPLIES } from "./content/support.ts";
import type { Row } from "./insert.ts";
import type { Random } from "./random.ts";
import { minutesBefore } from "./values.ts";

export function buildCuratedReplies(rng: Random, now: Date): Row[] {
  return CURATED_REPLIES.map(([body, tags], i) => {
    const approvedAt = minutesBefore(now, rng.int(60, 120 * 24 * 60));
    return {
      id: rng.uuid(),
      message_body: body,
      tags,
      approver: rng.pick(DEMO_OPERATORS).email,
      approved_at: approvedAt,
      source_message_id: i % 5 === 4 ? null : String(880_000 + i * 37),
      conversation_id: i % 5 === 4 ? null : String(10_200 + i * 3),
      created_at: approvedAt,
      updated_at: approvedAt,
    };
  });
}
