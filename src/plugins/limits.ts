/**
 * Operation size limits, checked before anything executes (so a rejected operation costs no SQL):
 * tokens while parsing (graphql-js's own maxTokens), then depth, aliases and cost as validation rules
 * from graphql-armor. Rejections are ordinary GraphQL errors with stable codes; yoga answers them
 * with HTTP 400 like any other parse/validation error. Introspection (__schema) is exempt from depth
 * and cost so GraphiQL and codegen keep working.
 */
import { GraphQLError, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { isGraphQLError } from "./errors.ts";

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  /** graphql-armor's estimate: objects 2, scalars 1, x1.5 per level, x`first`/`last` literals. */
  maxCost: number;
  maxTokens: number;
}

export type LimitCode = "QUERY_TOO_DEEP" | "TOO_MANY_ALIASES" | "QUERY_TOO_COMPLEX" | "TOO_MANY_TOKENS";

/** armor reports "Syntax Error: <what>"; keep its wording (it names the limit) under our code. */
function reportAs(code: LimitCode) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ""), { extensions: { code } })),
    ],
  };
}

// graphql-js 16 spells it "more that".
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:an|at) \d+ tokens/;

export function useQueryLimits(limits: QueryLimits): Plugin {
  const rules = [
    maxDepthRule({ n: limits.maxDepth, ...reportAs("QUERY_TOO_DEEP") }),
    maxAliasesRule({ n: limits.maxAliases, ...reportAs("TOO_MANY_ALIASES") }),
    costLimitRule({ maxCost: limits.maxCost, ...reportAs("QUERY_TOO_COMPLEX") }),
  ];
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: limits.maxTokens });
        } catch (error) {
          if (isGraphQLError(error) && TOKEN_LIMIT_MESSAGE.test(error.message)) {
            throw new GraphQLError(`Token limit of ${limits.maxTokens} exceeded.`, {
              source: error.source,
              positions: error.positions,
              extensions: { code: "TOO_MANY_TOKENS" },
            });
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}
