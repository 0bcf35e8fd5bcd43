// Demo operations history: a week of observability logs and 60 days of the DecisionLog.
import { DEMO_SHOP_DOMAIN } from "./constants.ts";
import { DECISIONS } from "./content/decisions.ts";
import type { Row } from "./insert.ts";
import type { Random } from "./random.ts";
import { minutesBefore } from "./values.ts";

export function buildLogs(rng: Random, now: Date): Row[] {
  const rows: Row[] = [];
  const tiles = ["revenue", "aov", "stock_risk", "ads_roas", "approvals_queue", "cx_queue"];
  const agents = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/129.0 Safari/537.36",
    "hotdash-agent-service/1.4.2",
    null,
  ];
  for (let i = 0; i < 320; i++) {
    const createdAt = minutesBefore(now, rng.int(1, 7 * 24 * 60));
    const r = rng.next();
    const level = r < 0.15 ? "DEBUG" : r < 0.75 ? "INFO" : r < 0.92 ? "WARN" : "ERROR";
    const tile = rng.pick(tiles);
    const duration = level === "ERROR" ? rng.int(2_000, 30_000) : level === "WARN" ? rng.int(800, 2_500) : rng.int(12, 400);
    const message =
      level === "DEBUG"
        ? `cache ${rng.chance(0.7) ? "hit" : "miss"} for tile ${tile}`
        : level === "INFO"
          ? `tile ${tile} rendered`
          : level === "WARN"
            ? rng.pick([`tile ${tile} slow: ${duration} ms`, "Shopify API rate limit at 80%", "Chatwoot webhook retried"])
            : rng.pick([`tile ${tile} failed: upstream timeout`, "Shopify GraphQL 502 Bad Gateway", "agent-service unreachable: ECONNREFUSED"]);
    const day = createdAt.toISOString().slice(0, 10);
    rows.push({
      id: rng.uuid(),
      level,
      message,
      metadata: { tile, duration_ms: duration, service: level === "ERROR" && message.includes("agent") ? "agent-service" : "dashboard" },
      request_id: level === "DEBUG" && rng.chance(0.3) ? null : `req-${day}-${String(i + 1).padStart(3, "0")}`,
      user_agent: rng.pick(agents),
      created_at: createdAt,
    });
  }
  return rows;
}

export function buildDecisions(rng: Random, now: Date): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 30; i++) {
    const [scope, actor, action, rationale, ref] = DECISIONS[i % DECISIONS.length];
    const createdAt = minutesBefore(now, rng.int(30, 60 * 24 * 60));
    rows.push({
      id: rng.uuid(),
      scope,
      actor,
      action,
      rationale,
      evidenceUrl: i % 4 === 0 ? `https://admin.shopify.com/store/hotrodan/orders/${5_600_000 + i}` : null,
      shopDomain: DEMO_SHOP_DOMAIN,
      externalRef: ref,
      payload:
        scope === "credentials"
          ? { keyId: "k1", provider: "shopify", requestId: `req-${createdAt.toISOString().slice(0, 10)}-${900 + i}`, demo: true }
          : { demo: true, sequence: i },
      createdAt,
    });
  }
  return rows;
}
