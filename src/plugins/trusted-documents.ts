/**
 * Trusted documents: catalogue operations (operations/, src/catalogue) may be sent by id, and under
 * TRUSTED_DOCUMENTS the callers mustUseTrustedDocuments names (src/auth/policy.ts) may send nothing else.
 *
 * - By id, for everyone and in every mode: `documentId` in the body (the GraphQL-over-HTTP persisted
 *   documents proposal, "sha256:<hex>", the keys of the codegen manifest) or Apollo's
 *   `extensions.persistedQuery.sha256Hash` (the hex alone). yoga's persisted-operations plugin looks
 *   the id up in the catalogue, so the document is not even parsed. An unknown id: HTTP 404 with
 *   PERSISTED_DOCUMENT_NOT_FOUND.
 * - By text: a restricted caller's document must be exactly one catalogue operation (compared by
 *   canonical print, so formatting does not matter) and name it, else HTTP 403
 *   TRUSTED_DOCUMENT_REQUIRED, before validation (no schema hints leak) and before any SQL.
 */
import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import type { DocumentNode } from "graphql";
import type { GraphQLParams, Plugin } from "graphql-yoga";
import { mustUseTrustedDocuments, type TrustedDocumentMode } from "../auth/policy.ts";
import type { Catalogue } from "../catalogue/index.ts";
import type { GatewayContext } from "../context/types.ts";
import { ClientError } from "../errors.ts";
import { viewerOf } from "./authenticate.ts";

/** The id a request sends instead of a document, as the catalogue spells it ("sha256:<hex>"), or null. */
export function sentDocumentId(params: GraphQLParams & { documentId?: unknown }): string | null {
  if (typeof params.documentId === "string") return params.documentId;
  const apq = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  if (apq?.version === 1 && typeof apq.sha256Hash === "string") return `sha256:${apq.sha256Hash}`;
  return null;
}

const documentNotFound = (id: string) =>
  new ClientError(
    `No catalogue operation has the id ${id}. Ids are the keys of the codegen manifest (src/generated/operations/persisted-documents.json, \`npm run codegen\`); send the operation's text to see what differs.`,
    "PERSISTED_DOCUMENT_NOT_FOUND",
    { extensions: { documentId: id, http: { status: 404 } } },
  );

export const trustedDocumentRequired = (mode: TrustedDocumentMode) =>
  new ClientError(
    `This caller may run only catalogue operations (TRUSTED_DOCUMENTS=${mode}): send one of operations/ by its documentId or its exact text, with its operationName. docs/agents.md lists them.`,
    "TRUSTED_DOCUMENT_REQUIRED",
    { extensions: { http: { status: 403 } } },
  );

export function useTrustedDocuments(catalogue: Catalogue, mode: TrustedDocumentMode): Plugin<GatewayContext>[] {
  const byId = usePersistedOperations<GatewayContext>({
    // Documents with text are judged below, where the caller is known.
    allowArbitraryOperations: true,
    extractPersistedOperationId: sentDocumentId,
    getPersistedOperation: (id) => {
      const operation = catalogue.byId(id);
      if (!operation) throw documentNotFound(id);
      return operation.document;
    },
    // Every catalogue operation was validated against this schema at start-up.
    skipDocumentValidation: true,
    customErrors: {
      keyNotFound: { message: "Must provide query string, or the documentId of a catalogue operation.", extensions: { http: { status: 400 } } },
    },
  });
  const check: Plugin<GatewayContext> = {
    onParse({ context }) {
      const viewer = viewerOf(context.request);
      if (mode === "off" || !viewer || !mustUseTrustedDocuments(viewer, mode)) return;
      return ({ result }) => {
        const operationName = context.params.operationName;
        if (!(result && typeof result === "object" && "kind" in result && catalogue.match(result as DocumentNode, operationName)))
          throw trustedDocumentRequired(mode);
      };
    },
  };
  return [byId, check];
}
