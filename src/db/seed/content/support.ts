// Customer-facing text of the demo: the questions customers ask the CX agent, and the curated replies
// operators approved for reuse.

export const CUSTOMER_QUESTIONS = [
  "Will the AN-6 PTFE hose work with E85?",
  "Where is my order #HR10452? It has been 6 days.",
  "Can I return an unused fuel pump after 40 days?",
  "What fuel pressure should I run on an LS3 returnless setup?",
  "My 340 LPH pump is whining at idle, is that normal?",
  "Do you ship to Canada and how much is duty?",
  "Which filter micron rating goes before the pump?",
  "I received AN-8 fittings instead of AN-6, can you swap them?",
  "Please cancel my order, I ordered the wrong rail kit.",
  "Is the sump tank baffled?",
];

export const CURATED_REPLIES: Array<[string, string[]]> = [
  [
    "Thanks for reaching out! Orders placed before 2 pm Eastern ship the same business day; you'll get tracking by email as soon as the label is printed.",
    ["shipping", "order_status"],
  ],
  [
    "Our PTFE-lined hose is fully compatible with E85, methanol and race fuels. Rubber and nylon-braided hose is not recommended for ethanol blends.",
    ["e85", "hose", "compatibility"],
  ],
  [
    "Unused parts in their original packaging can be returned within 30 days for a full refund. Start a return from the link in your order confirmation.",
    ["returns", "policy"],
  ],
  [
    "For an LS returnless system, set fuel pressure to 58 psi at the rail. With a return-style regulator, 43.5 psi base pressure is typical.",
    ["fuel_pressure", "ls_swap"],
  ],
  [
    "A light whine from an inline pump is normal; a loud whine at idle usually means the pump is starving — check the pre-filter and the pickup.",
    ["fuel_pump", "troubleshooting"],
  ],
  ["We ship to Canada with duties and taxes collected at checkout, so there are no surprise fees at delivery.", ["shipping", "international"]],
  ["Run a 100 micron filter before the pump and a 10 micron filter after it to protect your injectors.", ["filters", "installation"]],
  ["Sorry about the mix-up! We'll send the correct AN-6 fittings today with a prepaid label for the AN-8s.", ["wrong_item", "exchange"]],
  [
    "I've cancelled the order and the refund is on its way; it usually appears on your statement within 3–5 business days.",
    ["cancellation", "refund"],
  ],
  ["Yes — all our sump tanks are baffled and include a rollover vent valve port.", ["fuel_tank", "product_info"]],
  ["Assembly lube on the threads and the olive makes PTFE hose ends much easier to tighten and prevents galling.", ["hose", "installation"]],
  ["The 340 LPH pump supports roughly 650 hp on gasoline and about 500 hp on E85.", ["fuel_pump", "sizing", "e85"]],
  ['AN sizes are in sixteenths of an inch: AN-6 is 3/8", AN-8 is 1/2", AN-10 is 5/8".', ["fittings", "sizing"]],
  [
    "Your warranty covers manufacturing defects for 12 months from delivery; send us a photo and your order number and we'll take it from there.",
    ["warranty", "policy"],
  ],
  [
    "Tracking can take up to 24 hours to update after the label is created — if it hasn't moved after two days, reply here and we'll open a trace.",
    ["order_status", "shipping"],
  ],
  ["Free shipping applies to US orders over $99, excluding oversized items like sump tanks.", ["shipping", "pricing"]],
  ["The rail kit fits LS1/LS6 intakes with the stock injector height; LS3 intakes need the L92 version.", ["fuel_rail", "fitment", "ls_swap"]],
  [
    "We can't change an address once the order has shipped, but we can ask the carrier to hold it at a nearby location.",
    ["shipping", "address_change"],
  ],
  ["Please keep the original packaging — returns without it receive a 15% restocking fee.", ["returns", "policy"]],
  [
    "Wire the pump through a relay with at least 10 AWG power and ground; voltage drop is the most common cause of low pressure.",
    ["wiring", "fuel_pump", "troubleshooting"],
  ],
];
