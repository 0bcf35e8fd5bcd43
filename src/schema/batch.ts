/** The payload every idempotent batch upsert returns (see src/data/upsert.ts). */
import { builder } from "./builder.ts";
import type { UpsertCounts } from "../data/upsert.ts";

/** `<name>` with inserted / updated / unchanged counts; `unit` names one row ("SKU-day"). */
export function upsertCountsPayload(name: string, unit: string) {
  return builder.objectRef<UpsertCounts>(name).implement({
    description: `How the batch changed the table, one count per ${unit}. Replaying a batch returns only unchanged.`,
    fields: (t) => ({
      inserted: t.exposeInt("inserted", { description: `${unit}s that did not exist yet.` }),
      updated: t.exposeInt("updated", { description: `Existing ${unit}s whose values changed.` }),
      unchanged: t.exposeInt("unchanged", { description: `${unit}s already holding exactly these values (not written; updatedAt unchanged).` }),
    }),
  });
}
