// The ad campaign themes of the demo store: every platform runs one campaign per theme.

export const CAMPAIGN_THEMES = [
  "AN Fittings Evergreen",
  "PTFE Hose Kits",
  "LS Swap Fuel Systems",
  "E85 Conversion",
  "Black Friday Early Access",
  "EFI Fuel Pumps",
  "Retargeting 30d Viewers",
  "Brand Search",
] as const;
