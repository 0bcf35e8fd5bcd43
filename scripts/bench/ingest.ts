// Ingestion of a day of snapshots for every SKU of the bench store, through the gateway as an agent
// would send it: one request (one transaction) of ingestInventorySnapshots batches at the input's
// 10,000-row limit. Measured: a new day, its replay, and the same request with one bad row at the very
// end, which must leave nothing behind. The new day is removed afterwards, so the database can be reused.
import { withClient } from "./data.ts";
import { graphqlHeaders } from "./queries.ts";
import { log, settings, today } from "./settings.ts";

const BATCH_ROWS = 10_000;

export interface IngestionResult {
  skus: number;
  /** Seconds for the new day, its replay, and the request refused for its last row. */
  insertSeconds: number;
  replaySeconds: number;
  rejectedSeconds: number;
  /** Rows of the refused day left in the table (must be 0). */
  rejectedRowsKept: number;
  rejectedCode: string | null;
}

interface SnapshotInput {
  sku: string;
  snapshotDate: string;
  productTitle: string | null;
  onHandQuantity: number;
  availableQuantity: number;
  committedQuantity: number;
  incomingQuantity: number;
  unitsSold: number;
}

const dayAfter = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** One mutation with an alias per batch of 10,000 rows: one request, one transaction. */
function ingestionRequest(rows: SnapshotInput[]) {
  const batches: SnapshotInput[][] = [];
  for (let i = 0; i < rows.length; i += BATCH_ROWS) batches.push(rows.slice(i, i + BATCH_ROWS));
  const variables = Object.fromEntries(batches.map((snapshots, i) => [`b${i}`, { snapshots }]));
  const query = `mutation Ingest(${batches.map((_, i) => `$b${i}: IngestInventorySnapshotsInput!`).join(", ")}) {
    ${batches.map((_, i) => `b${i}: ingestInventorySnapshots(input: $b${i}) { inserted updated unchanged }`).join("\n    ")}
  }`;
  return JSON.stringify({ query, variables });
}

async function timed(url: string, token: string, body: string): Promise<{ seconds: number; text: string }> {
  const started = Date.now();
  const response = await fetch(url, { method: "POST", headers: graphqlHeaders(token), body });
  const text = await response.text();
  return { seconds: (Date.now() - started) / 1000, text };
}

export async function measureIngestion(gatewayUrl: string, serviceToken: string): Promise<IngestionResult> {
  const url = `${gatewayUrl}/graphql`;
  const newDay = dayAfter(today, 1);
  const refusedDay = dayAfter(today, 2);
  const rows = await withClient(settings.databaseUrl, async (c) => {
    const { rows } = await c.query<SnapshotInput>(
      `SELECT sku, $1::text AS "snapshotDate", product_title AS "productTitle", on_hand_quantity AS "onHandQuantity",
              available_quantity AS "availableQuantity", committed_quantity AS "committedQuantity",
              incoming_quantity AS "incomingQuantity", units_sold + 1 AS "unitsSold"
       FROM inventory_snapshots WHERE snapshot_date = $2 ORDER BY sku`,
      [newDay, today],
    );
    return rows;
  });
  log(`  ingestion: ${rows.length.toLocaleString("en-US")} snapshots of ${newDay} in one request`);

  const insert = await timed(url, serviceToken, ingestionRequest(rows));
  if (insert.text.includes('"errors"')) throw new Error(`ingestion failed: ${insert.text.slice(0, 500)}`);
  const replay = await timed(url, serviceToken, ingestionRequest(rows));
  if (replay.text.includes('"errors"')) throw new Error(`replay failed: ${replay.text.slice(0, 500)}`);

  // The same day again for the next day, with one impossible quantity in the last row of the last batch.
  const refused = rows.map((r) => ({ ...r, snapshotDate: refusedDay }));
  refused[refused.length - 1] = { ...refused[refused.length - 1], onHandQuantity: -1 };
  const rejected = await timed(url, serviceToken, ingestionRequest(refused));
  const rejectedCode = (JSON.parse(rejected.text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? null;

  const rejectedRowsKept = await withClient(settings.databaseUrl, async (c) => {
    const kept = Number(
      (await c.query<{ n: string }>(`SELECT count(*) AS n FROM inventory_snapshots WHERE snapshot_date = $1`, [refusedDay])).rows[0].n,
    );
    await c.query(`DELETE FROM inventory_snapshots WHERE snapshot_date >= $1`, [newDay]);
    await c.query(`VACUUM ANALYZE inventory_snapshots, summaries.inventory_sku, summaries.inventory_sku_day`);
    return kept;
  });
  const result = {
    skus: rows.length,
    insertSeconds: insert.seconds,
    replaySeconds: replay.seconds,
    rejectedSeconds: rejected.seconds,
    rejectedRowsKept,
    rejectedCode,
  };
  log(
    `  new day ${result.insertSeconds.toFixed(1)} s, replay ${result.replaySeconds.toFixed(1)} s, refused request ${result.rejectedSeconds.toFixed(1)} s (${rejectedCode}, ${rejectedRowsKept} rows kept)`,
  );
  return result;
}
