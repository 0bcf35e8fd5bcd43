// The fixed identities of the demo data: the shop, the operators and the marker of a seeded database.

/** The shop every demo fact belongs to (the store's Shopify domain, as upstream). */
export const DEMO_SHOP_DOMAIN = "hotrodan.myshopify.com";

/** The DecisionLog marker that says "demo data is here". */
export const DEMO_SEED_MARKER = { scope: "seed", action: "demo_data_loaded" } as const;

/** Operators who decide approvals and annotate feedback. `sub` is the JWT subject (AgentFeedback.annotator). */
export const DEMO_OPERATORS = [
  { sub: "6f1d3c8e-2b7a-4c1e-9a55-0d2f1e7b3a01", email: "justin@hotrodan.com", name: "Justin" },
  { sub: "a4e2b9d0-5c3f-4d8a-b1e6-7f9c2d4e5b02", email: "support-lead@hotrodan.com", name: "Support lead" },
  { sub: "c9b8a7f6-1e2d-4c3b-8a9f-0e1d2c3b4a03", email: "ops@hotrodan.com", name: "Ops" },
] as const;
