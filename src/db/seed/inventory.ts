// Demo inventory: 300 SKUs with 90 days of snapshots, their suppliers and reorder points, with a mix of
// healthy, low, out-of-stock and dead SKUs.
import { FAMILIES, SUPPLIERS } from "./content/catalogue.ts";
import type { Row } from "./insert.ts";
import type { Random } from "./random.ts";
import { addDays, at, isoDay, minutesBefore, notAfter } from "./values.ts";

const optionCode = (label: string) => label.toUpperCase().replace(/[^A-Z0-9]/g, "");

interface Sku {
  sku: string;
  title: string;
  variantId: string;
  demand: number;
}

function buildSkus(count: number): Sku[] {
  const skus: Sku[] = [];
  let variant = 44_120_000_000_000;
  for (const family of FAMILIES) {
    let combos: string[][] = [[]];
    for (const option of family.options) combos = combos.flatMap((combo) => option.map((o) => [...combo, o]));
    for (const combo of combos) {
      skus.push({
        sku: `HR-${family.code}-${combo.map(optionCode).join("-")}`,
        title: `${family.title} – ${combo.join(" / ")}`,
        variantId: `gid://shopify/ProductVariant/${(variant += 7919)}`,
        demand: family.demand,
      });
    }
  }
  if (skus.length < count) throw new Error(`demo catalogue has only ${skus.length} SKUs`);
  if (new Set(skus.map((s) => s.sku)).size !== skus.length) throw new Error("demo catalogue has duplicate SKUs");
  return skus.slice(0, count);
}

type Profile = "healthy" | "low" | "stockout" | "dead";

export function buildInventory(rng: Random, today: Date, now: Date) {
  const skus = buildSkus(300);
  const suppliers = SUPPLIERS.map((s, i) => ({
    ...s,
    id: rng.uuid(),
    created: at(addDays(today, -400 + i * 9), 15),
  }));
  const supplierRows: Row[] = suppliers.map((s, i) => ({
    id: s.id,
    supplier: s.supplier,
    lead_time_days: s.lead,
    max_lead_days: i === 7 ? null : s.max, // one supplier never gave a worst case
    created_at: s.created,
    updated_at: i % 3 === 0 ? at(addDays(today, -rng.int(5, 60)), 10) : s.created,
  }));

  // Profiles: 15 SKUs never sold, 18 ran out of stock, 30 sit below their reorder point, the rest are fine.
  const order = rng.shuffle(skus.map((_, i) => i));
  const profileOf = new Map<number, Profile>();
  order.forEach((skuIndex, rank) => profileOf.set(skuIndex, rank < 15 ? "dead" : rank < 33 ? "stockout" : rank < 63 ? "low" : "healthy"));

  const snapshots: Row[] = [];
  const reorderRows: Row[] = [];
  skus.forEach((sku, index) => {
    const profile = profileOf.get(index)!;
    const supplier = suppliers[index % suppliers.length];
    let rate = profile === "dead" ? 0 : sku.demand * Math.exp(0.6 * rng.normal());
    if ((profile === "low" || profile === "stockout") && rate < 0.5) rate += 0.5; // visibly moving SKUs
    const override = index % 10 === 3 ? supplier.lead + rng.int(2, 10) : null; // ~10% have their own lead time
    const lead = override ?? supplier.lead;
    const maxLead = Math.max(supplier.max, lead);
    // Upstream's safety stock: max daily sales × max lead − avg daily sales × avg lead (rounded up).
    const maxDaily = rate + 2 * Math.sqrt(rate);
    const safety = profile === "dead" ? 0 : Math.max(1, Math.ceil(maxDaily * maxLead - rate * lead));
    const reorderPoint = Math.ceil(rate * lead) + safety;

    const demand: number[] = [];
    for (let offset = -89; offset <= 0; offset++) {
      const weekday = addDays(today, offset).getUTCDay();
      demand.push(rng.poisson(rate * (weekday === 0 || weekday === 6 ? 0.7 : weekday === 1 ? 1.2 : 1)));
    }
    const total = demand.reduce((a, b) => a + b, 0);

    let onHand: number;
    const reorderEnabled = profile === "healthy";
    let stockoutDay = 90;
    if (profile === "dead") onHand = rng.int(3, 60);
    else if (profile === "low") onHand = total + Math.max(1, Math.floor(reorderPoint * (0.25 + rng.next() * 0.5)));
    else if (profile === "stockout") {
      stockoutDay = rng.int(55, 86);
      onHand = demand.slice(0, stockoutDay).reduce((a, b) => a + b, 0);
    } else onHand = reorderPoint + Math.ceil(rate * rng.int(20, 45));

    let incoming = 0;
    let arrivesOn = -1;
    // Half the stock-outs have a purchase order on its way (placed after the stock-out, arriving after today).
    const lateOrderDay = profile === "stockout" && index % 2 === 0 ? Math.min(89, stockoutDay + 1) : -1;
    const oversold = profile === "stockout" && index % 5 === 0; // orders taken while at 0: available < 0

    for (let d = 0; d < 90; d++) {
      const day = addDays(today, d - 89);
      if (d === arrivesOn) {
        onHand += incoming;
        incoming = 0;
        arrivesOn = -1;
      }
      const sold = Math.min(onHand, demand[d]);
      onHand -= sold;
      if (reorderEnabled && incoming === 0 && onHand <= reorderPoint) {
        incoming = Math.ceil(rate * rng.int(30, 60)) + safety;
        arrivesOn = d + lead + rng.int(0, Math.max(0, maxLead - lead));
      }
      if (d === lateOrderDay) incoming = Math.ceil(rate * 45) + safety;
      const committed = onHand === 0 ? (oversold && d >= stockoutDay ? rng.int(1, 4) : 0) : Math.min(onHand, rng.poisson(rate * 0.6));
      snapshots.push({
        id: rng.uuid(),
        sku: sku.sku,
        variant_id: sku.variantId,
        product_title: sku.title,
        snapshot_date: isoDay(day),
        on_hand_quantity: onHand,
        available_quantity: onHand - committed,
        committed_quantity: committed,
        incoming_quantity: incoming,
        units_sold: sold,
        created_at: d === 89 ? minutesBefore(now, 30) : notAfter(now, at(addDays(day, 1), 1, 15)),
        updated_at: d === 89 ? minutesBefore(now, 30) : notAfter(now, at(addDays(day, 1), 1, 15)),
      });
    }

    // Ten new SKUs have no reorder settings yet; three have no supplier assigned.
    if (index % 30 !== 29) {
      reorderRows.push({
        id: rng.uuid(),
        sku: sku.sku,
        supplier_id: index % 97 === 5 ? null : supplier.id,
        safety_stock: safety,
        lead_time_days: override,
        created_at: at(addDays(today, -rng.int(100, 300)), 12),
        updated_at: at(addDays(today, -rng.int(1, 99)), 12),
      });
    }
  });
  return { supplierRows, reorderRows, snapshots };
}
