import { ConfigError, loadConfig } from "../../src/config.ts";

/** The problems loadConfig reports for `env` (one line each), or [] when it is valid. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
