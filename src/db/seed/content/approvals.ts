// What agents ask operators to approve in the demo: the kind, the agent and tool, and the summary text.

export const APPROVAL_KINDS = [
  {
    kind: "cx_reply",
    agent: "cx-agent",
    tool: "chatwoot_send_public_reply",
    summary: (n: number) => `Reply to conversation cw-${n} about a delayed order`,
  },
  {
    kind: "order_cancel",
    agent: "cx-agent",
    tool: "shopify_cancel_order",
    summary: (n: number) => `Cancel order #HR${10_000 + n} and refund $${(n % 7) * 40 + 89}`,
  },
  {
    kind: "refund",
    agent: "cx-agent",
    tool: "shopify_refund",
    summary: (n: number) => `Refund $${(n % 5) * 15 + 25} shipping on order #HR${10_000 + n}`,
  },
  {
    kind: "inventory_reorder",
    agent: "inventory-agent",
    tool: "create_purchase_order",
    summary: (n: number) => `Reorder ${(n % 9) * 12 + 24} units of HR-STR-AN${(n % 4) * 2 + 4}-BLACK`,
  },
  {
    kind: "ads_budget_change",
    agent: "ads-agent",
    tool: "meta_update_budget",
    summary: (n: number) => `Raise daily budget of a Meta campaign by ${(n % 4) * 10 + 10}%`,
  },
  {
    kind: "product_update",
    agent: "product-agent",
    tool: "shopify_update_product",
    summary: () => "Rewrite the description of the 340 LPH inline pump",
  },
] as const;
