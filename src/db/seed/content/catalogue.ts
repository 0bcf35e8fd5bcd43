// The demo catalogue (a fuel-system parts store) and its suppliers: pure data, read by the inventory builder.

// Product families of a fuel-system parts store; SKUs are the cartesian product of each family's options.
export const FAMILIES: ReadonlyArray<{ code: string; title: string; options: string[][]; demand: number; price: number }> = [
  {
    code: "PTFE",
    title: "PTFE Braided Hose",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10"],
      ["3 ft", "6 ft", "10 ft", "20 ft"],
      ["Black", "Stainless"],
    ],
    demand: 1.6,
    price: 60,
  },
  {
    code: "STR",
    title: "Straight Swivel Hose End",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"],
      ["Black", "Silver"],
    ],
    demand: 2.2,
    price: 14,
  },
  {
    code: "45D",
    title: "45° Swivel Hose End",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"],
      ["Black", "Silver"],
    ],
    demand: 1.4,
    price: 17,
  },
  {
    code: "90D",
    title: "90° Swivel Hose End",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"],
      ["Black", "Silver"],
    ],
    demand: 1.8,
    price: 18,
  },
  {
    code: "120D",
    title: "120° Swivel Hose End",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"],
      ["Black", "Silver"],
    ],
    demand: 0.5,
    price: 21,
  },
  {
    code: "180D",
    title: "180° Swivel Hose End",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"],
      ["Black", "Silver"],
    ],
    demand: 0.4,
    price: 23,
  },
  {
    code: "NPT",
    title: "AN to NPT Adapter",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10"],
      ["1/8 NPT", "1/4 NPT", "3/8 NPT", "1/2 NPT"],
      ["Black", "Silver"],
    ],
    demand: 0.9,
    price: 8,
  },
  {
    code: "RED",
    title: "AN Reducer",
    options: [
      ["AN-6 to AN-4", "AN-8 to AN-6", "AN-10 to AN-8", "AN-12 to AN-10", "AN-8 to AN-4", "AN-10 to AN-6"],
      ["Black", "Silver"],
    ],
    demand: 0.7,
    price: 9,
  },
  {
    code: "BLK",
    title: "AN Bulkhead Fitting",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"],
      ["Black", "Silver"],
    ],
    demand: 0.5,
    price: 12,
  },
  {
    code: "UNI",
    title: "AN Union",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"],
      ["Black", "Silver"],
    ],
    demand: 0.4,
    price: 7,
  },
  {
    code: "ORB",
    title: "ORB to AN Adapter",
    options: [
      ["ORB-6", "ORB-8", "ORB-10", "ORB-12", "ORB-4"],
      ["Black", "Silver"],
    ],
    demand: 0.8,
    price: 9,
  },
  {
    code: "FLT",
    title: "Inline Fuel Filter",
    options: [
      ["10 micron", "40 micron", "100 micron"],
      ["AN-6", "AN-8", "AN-10"],
      ["Black", "Silver"],
    ],
    demand: 0.9,
    price: 55,
  },
  {
    code: "PMP",
    title: "Inline EFI Fuel Pump",
    options: [
      ["255 LPH", "340 LPH", "450 LPH"],
      ["Gasoline", "E85"],
    ],
    demand: 0.7,
    price: 189,
  },
  {
    code: "ITP",
    title: "In-Tank Fuel Pump Module",
    options: [
      ["255 LPH", "340 LPH", "450 LPH"],
      ["Gasoline", "E85"],
    ],
    demand: 0.5,
    price: 269,
  },
  {
    code: "FPR",
    title: "Fuel Pressure Regulator",
    options: [
      ["Return Style", "Returnless"],
      ["AN-6", "AN-8", "AN-10"],
      ["Black", "Silver"],
    ],
    demand: 0.6,
    price: 95,
  },
  {
    code: "RAIL",
    title: "LS Fuel Rail Kit",
    options: [
      ["LS1-LS6", "LS2", "LS3-L92", "LS7", "LT1"],
      ["Black", "Silver"],
    ],
    demand: 0.3,
    price: 179,
  },
  {
    code: "GAU",
    title: "Fuel Pressure Gauge",
    options: [
      ["0-15 psi", "0-100 psi", "0-160 psi"],
      ["Liquid Filled", "Dry"],
    ],
    demand: 0.4,
    price: 29,
  },
  { code: "SUMP", title: "Sump Fuel Tank", options: [["4 gal", "8 gal", "12 gal", "16 gal"]], demand: 0.15, price: 329 },
  {
    code: "HAR",
    title: "Fuel Pump Wiring Harness",
    options: [
      ["Single Pump", "Dual Pump"],
      ["30 A", "40 A"],
    ],
    demand: 0.5,
    price: 45,
  },
  {
    code: "CHK",
    title: "Inline Check Valve",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"],
      ["Black", "Silver"],
    ],
    demand: 0.3,
    price: 24,
  },
  {
    code: "YBK",
    title: "Y-Block Fitting",
    options: [
      ["AN-6", "AN-8", "AN-10"],
      ["Black", "Silver"],
    ],
    demand: 0.25,
    price: 32,
  },
  {
    code: "CLP",
    title: "Hose Separator Clamp",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10"],
      ["Single", "Double"],
      ["Black", "Silver"],
    ],
    demand: 0.8,
    price: 11,
  },
  {
    code: "KIT",
    title: "LS Swap Fuel System Kit",
    options: [
      ["Returnless", "Return Style"],
      ["Gasoline", "E85"],
      ["255 LPH", "340 LPH"],
    ],
    demand: 0.35,
    price: 549,
  },
  {
    code: "BULK",
    title: "PTFE Hose Bulk",
    options: [
      ["AN-4", "AN-6", "AN-8", "AN-10"],
      ["25 ft", "50 ft"],
      ["Black", "Stainless"],
    ],
    demand: 0.3,
    price: 210,
  },
  {
    code: "NYL",
    title: "Nylon Braided Hose",
    options: [
      ["AN-6", "AN-8", "AN-10"],
      ["10 ft", "20 ft"],
      ["Black", "Blue"],
    ],
    demand: 0.6,
    price: 48,
  },
  { code: "TOOL", title: "Hose Assembly Tool", options: [["Hose Cutter", "Assembly Lube", "AN Wrench Set"]], demand: 0.9, price: 25 },
  { code: "SND", title: "Fuel Level Sender", options: [["240-33 ohm", "0-90 ohm"]], demand: 0.2, price: 64 },
  { code: "VNT", title: "Rollover Vent Valve", options: [["AN-6", "AN-8"]], demand: 0.2, price: 19 },
  { code: "HNG", title: "Fuel Pump Hanger", options: [["Single", "Dual", "Triple"]], demand: 0.1, price: 249 },
];

export const SUPPLIERS = [
  { supplier: "Vibrant Performance", lead: 5, max: 9 },
  { supplier: "Russell Performance", lead: 7, max: 12 },
  { supplier: "Earl's Plumbing", lead: 10, max: 16 },
  { supplier: "Aeromotive Inc.", lead: 14, max: 21 },
  { supplier: "Walbro / TI Automotive", lead: 21, max: 35 },
  { supplier: "Holley (Fittings)", lead: 6, max: 10 },
  { supplier: "Shenzhen AN Parts Co.", lead: 30, max: 45 },
  { supplier: "Local Machine Shop", lead: 3, max: 5 },
] as const;
