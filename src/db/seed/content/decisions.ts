// The decisions operators and agents logged in the demo: [scope, actor, action, rationale, externalRef],
// repeated in this order to fill the DecisionLog.

export const DECISIONS: ReadonlyArray<[string, string, string, string, string | null]> = [
  [
    "ops",
    "justin@hotrodan.com",
    "mark_low_stock_intentional",
    "Discontinuing the 120° AN-12 ends; let them sell through.",
    "shopify:HR-120D-AN12-BLACK",
  ],
  ["ops", "system", "auto_flag_anomaly", "Revenue 30% below the 7-day baseline.", null],
  ["cx", "support-lead@hotrodan.com", "escalate_conversation", "Customer reports a leaking regulator; warranty review.", "chatwoot:10452"],
  ["cx", "cx-agent", "send_reply", "Approved reply about E85 compatibility sent.", "chatwoot:10417"],
  ["inventory", "inventory-agent", "create_purchase_order", "AN-6 straight ends below reorder point; 96 units ordered.", "shopify:HR-STR-AN6-BLACK"],
  ["inventory", "ops@hotrodan.com", "override_lead_time", "Shenzhen supplier quoting 38 days during holidays.", null],
  ["growth", "ads-agent", "pause_campaign", "TikTok E85 campaign ROAS 0.8 for 14 days.", null],
  ["growth", "justin@hotrodan.com", "raise_budget", "Google brand search capped by budget at 11:00.", null],
  // Same shape as the vault's audit rows (docs/credentials-vault.md); the credential itself is not seeded.
  ["credentials", "service_role", "credential.read", "Shopify Admin token read for the nightly sync.", "creds_meta:shopify.admin"],
  ["ops", "system", "rotate_dashboard_cache", "Nightly cache rotation.", null],
];
