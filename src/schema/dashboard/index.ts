/**
 * The operator dashboard: `dashboard { revenue inventory adsRoas supportQueue }` loads the whole
 * page in one request. Each tile costs one SQL statement however many of its fields are selected and
 * however much data there is (src/data/dashboard/tile.ts); formulas are in docs/dashboard.md. A tile's
 * types live in its own file here; this one holds `Dashboard`: one field per tile, with its
 * arguments, defaults and the tables it reads.
 */
import type { GatewayContext } from "../../context/types.ts";
import { canRead, type TableName } from "../../auth/policy.ts";
import { formatDate } from "../../lib/dates.ts";
import { builder } from "../builder.ts";
import { DateRangeInput } from "../common.ts";
import { AdsPlatform } from "../ads.ts";
import { previousPeriod, resolveRange, todayUtc } from "../../data/dashboard/range.ts";
import type { RevenueTileArgs } from "../../data/dashboard/revenue.ts";
import type { InventoryTileArgs } from "../../data/dashboard/inventory.ts";
import type { AdsTileArgs } from "../../data/dashboard/ads.ts";
import type { SupportQueueTileArgs } from "../../data/dashboard/support-queue.ts";
import { day } from "./range.ts";
import { RevenueTile } from "./revenue.ts";
import { InventoryTile } from "./inventory.ts";
import { AdsRoasTile } from "./ads.ts";
import { SupportQueueTile } from "./support-queue.ts";

/** A tile is readable when every table it aggregates is (the database applies RLS to each as well). */
const readsAll =
  (...tables: TableName[]) =>
  (_parent: unknown, _args: unknown, ctx: GatewayContext) =>
    tables.every((table) => canRead(ctx, table));

const Dashboard = builder.objectRef<{ asOf: string }>("Dashboard").implement({
  description: "The operator dashboard's tiles. A tile is null (with an error) for a role that may not read its tables.",
  fields: (t) => ({
    asOf: t.field({ type: "Date", description: "The day default ranges end on.", resolve: (d) => day(d.asOf) }),
    revenue: t.field({
      type: RevenueTile,
      nullable: true,
      authScopes: readsAll("DashboardFact"),
      args: {
        range: t.arg({ type: DateRangeInput, required: false, description: "Default: the 30 days ending asOf." }),
        shopDomain: t.arg.string({ required: false, description: "Default: all shops summed." }),
      },
      resolve: (d, args): RevenueTileArgs => {
        const range = resolveRange(args.range, d.asOf, "revenue.range");
        return { range, previous: previousPeriod(range), shopDomain: args.shopDomain ?? null };
      },
    }),
    inventory: t.field({
      type: InventoryTile,
      nullable: true,
      authScopes: readsAll("inventory_snapshots", "reorder_points", "supplier_lead_times"),
      args: { salesWindow: t.arg({ type: DateRangeInput, required: false, description: "Default: the 30 days ending asOf." }) },
      resolve: (d, args): InventoryTileArgs => ({ window: resolveRange(args.salesWindow, d.asOf, "inventory.salesWindow") }),
    }),
    adsRoas: t.field({
      type: AdsRoasTile,
      nullable: true,
      authScopes: readsAll("ads_campaigns", "ads_daily_metrics"),
      args: {
        range: t.arg({ type: DateRangeInput, required: false, description: "Default: the 30 days ending asOf." }),
        platforms: t.arg({ type: [AdsPlatform], required: false, description: "Default: every platform." }),
      },
      resolve: (d, args): AdsTileArgs => ({
        range: resolveRange(args.range, d.asOf, "adsRoas.range"),
        platforms: args.platforms?.length ? [...new Set(args.platforms)].sort() : null,
      }),
    }),
    supportQueue: t.field({
      type: SupportQueueTile,
      nullable: true,
      authScopes: readsAll("AgentApproval"),
      resolve: (): SupportQueueTileArgs => ({}),
    }),
  }),
});

builder.queryField("dashboard", (t) =>
  t.field({
    type: Dashboard,
    description: "Everything the dashboard page shows, in one request; select the tiles you need.",
    authScopes: { signedIn: true },
    args: { asOf: t.arg({ type: "Date", required: false, description: "The day default ranges end on (UTC). Default: today." }) },
    resolve: (_root, args) => ({ asOf: args.asOf ? formatDate(args.asOf) : todayUtc() }),
  }),
);
