/**
 * Transitional: the dashboard's data now lives in src/data/dashboard/ (one file per tile). This file
 * only keeps `MAX_RANGE_DAYS` where src/data/ads.ts and src/schema/ads.ts still import it from;
 * delete it once they import "./dashboard/range.ts" / "../data/dashboard/range.ts".
 */
export { MAX_RANGE_DAYS } from "./dashboard/range.ts";
