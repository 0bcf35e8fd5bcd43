// The demo knowledge base: help-centre, product and install-guide documents, one chunk per paragraph.

export const KNOWLEDGE: Array<{ title: string; source: string; category: string; tags: string[]; paragraphs: string[] }> = [
  {
    title: "Shipping policy",
    source: "help_center",
    category: "shipping",
    tags: ["shipping", "delivery", "policy"],
    paragraphs: [
      "Orders placed before 2 pm Eastern on a business day ship the same day from our Ohio warehouse. Orders placed later, on weekends or on holidays ship the next business day.",
      "Free ground shipping applies to US orders over $99. Oversized items such as sump fuel tanks and bulk hose reels ship at a flat oversize rate shown at checkout.",
      "Tracking numbers are emailed when the label is printed. Carrier tracking can take up to 24 hours to show the first scan.",
    ],
  },
  {
    title: "International shipping and duties",
    source: "help_center",
    category: "shipping",
    tags: ["shipping", "international", "customs"],
    paragraphs: [
      "We ship to Canada, Australia, New Zealand, the United Kingdom and the European Union. Duties and import taxes are calculated and collected at checkout, so nothing is due on delivery.",
      "International orders usually arrive in 5 to 12 business days. Remote areas can take longer and customs inspections add delays we cannot control.",
    ],
  },
  {
    title: "Returns and refunds",
    source: "help_center",
    category: "returns",
    tags: ["returns", "refund", "policy"],
    paragraphs: [
      "Unused parts in their original packaging can be returned within 30 days of delivery for a full refund to the original payment method.",
      "Returns without the original packaging, or parts that show installation marks, are subject to a 15% restocking fee. Custom-length hose assemblies cannot be returned.",
      "Refunds are issued within two business days after the return arrives at our warehouse and appear on the card statement within 3 to 5 business days.",
    ],
  },
  {
    title: "Warranty",
    source: "help_center",
    category: "returns",
    tags: ["warranty", "policy", "defect"],
    paragraphs: [
      "Every part is covered against manufacturing defects for 12 months from delivery. Fuel pumps are covered for 24 months when installed with a pre-filter.",
      "To make a warranty claim, send a photo of the part, a short description of the problem and the order number. We ship a replacement as soon as the claim is approved.",
    ],
  },
  {
    title: "AN fitting sizing guide",
    source: "product_guide",
    category: "fittings",
    tags: ["fittings", "an", "sizing"],
    paragraphs: [
      "AN sizes are measured in sixteenths of an inch of tube outside diameter: AN-4 is 1/4 inch, AN-6 is 3/8 inch, AN-8 is 1/2 inch and AN-10 is 5/8 inch.",
      "For fuel feed lines, AN-6 supports about 500 horsepower on gasoline, AN-8 about 800 horsepower, and AN-10 beyond that. Size up one step for E85 because it needs about 30% more fuel.",
      "AN fittings seal on a 37 degree flare, not on the threads. Never use thread sealant or PTFE tape on an AN flare; use it only on NPT pipe threads.",
    ],
  },
  {
    title: "PTFE hose assembly instructions",
    source: "install_guide",
    category: "hose",
    tags: ["hose", "ptfe", "installation"],
    paragraphs: [
      "Cut PTFE hose with a fine-tooth cutter or a cut-off wheel after wrapping the cut with tape so the braid does not fray.",
      "Slide the socket over the hose, push the olive onto the PTFE liner until it seats, then insert the nipple. Lubricate the threads and the olive with assembly lube before tightening.",
      "Tighten the nipple into the socket until the gap is about 1 mm. Pressure test the finished assembly before installing it on the car.",
    ],
  },
  {
    title: "E85 and ethanol compatibility",
    source: "product_guide",
    category: "fuel",
    tags: ["e85", "ethanol", "compatibility"],
    paragraphs: [
      "E85 is corrosive to rubber and to some aluminium finishes. PTFE-lined hose, anodised fittings and E85-rated pumps are compatible with ethanol blends, methanol and race fuels.",
      "Rubber hose and nylon-braided rubber hose are not recommended for E85: the liner swells and the fuel smell permeates through it.",
      "An E85 engine needs roughly 30% more fuel flow than on gasoline, so size the pump, the injectors and the feed line accordingly.",
    ],
  },
  {
    title: "Choosing an EFI fuel pump",
    source: "product_guide",
    category: "fuel_pumps",
    tags: ["fuel_pump", "efi", "sizing"],
    paragraphs: [
      "Pick the pump by horsepower and fuel: the 255 LPH pump supports about 500 horsepower on gasoline, the 340 LPH pump about 650, and the 450 LPH pump about 850.",
      "On E85 each pump supports roughly 25% less horsepower. Boosted engines need more flow at higher pressure, so choose one size larger.",
      "A loud whine at idle usually means the pump is starving for fuel: check the pre-filter, the pickup and the tank baffling before replacing the pump.",
    ],
  },
  {
    title: "LS swap fuel system basics",
    source: "install_guide",
    category: "ls_swap",
    tags: ["ls_swap", "fuel_pressure", "efi"],
    paragraphs: [
      "LS engines expect 58 psi of fuel pressure in a returnless system. With a return-style regulator, 43.5 psi base pressure referenced to manifold vacuum is typical.",
      "A complete LS swap fuel system needs an EFI pump, a 100 micron pre-filter, a 10 micron post-filter, a regulator, feed and return lines, and a fuel rail that matches the intake.",
      "The LS1/LS6 rail kit fits the stock injector height. LS3 and L92 intakes need the L92 rail version.",
    ],
  },
  {
    title: "Fuel filter placement",
    source: "install_guide",
    category: "filters",
    tags: ["filters", "installation"],
    paragraphs: [
      "Install a 100 micron filter before the pump to protect it from debris without restricting flow, and a 10 micron filter after the pump to protect the injectors.",
      "Replace or clean filter elements every season on a street car and after every few race weekends on a track car.",
    ],
  },
  {
    title: "Order status and tracking",
    source: "help_center",
    category: "orders",
    tags: ["order_status", "tracking"],
    paragraphs: [
      "You can check your order status with the link in your confirmation email. An order shows as fulfilled once the label is printed.",
      "If tracking has not moved for two business days, contact us and we will open a trace with the carrier. Lost packages are replaced or refunded once the trace closes.",
      "We cannot change the shipping address after an order has shipped, but the carrier can hold the package at a nearby location on request.",
    ],
  },
  {
    title: "Order cancellations and changes",
    source: "help_center",
    category: "orders",
    tags: ["cancellation", "order_change", "refund"],
    paragraphs: [
      "Orders can be cancelled free of charge until they ship. Reply to your confirmation email or contact support with the order number.",
      "Once an order has shipped it cannot be cancelled; use the returns process instead. Refunds for cancelled orders are issued immediately.",
    ],
  },
  {
    title: "Fuel pump wiring",
    source: "install_guide",
    category: "fuel_pumps",
    tags: ["wiring", "fuel_pump", "installation"],
    paragraphs: [
      "Always power the fuel pump through a relay triggered by the ECU, with at least 10 AWG power and ground wires for pumps up to 450 LPH.",
      "Voltage drop is the most common cause of low fuel pressure under load. Measure voltage at the pump connector with the engine running; it should be within 0.5 volt of battery voltage.",
    ],
  },
];
