/**
 * The console's one way to the gateway: the public GraphQL API at /graphql, with the typed documents
 * codegen made from operations/ (src/generated/operations). Each is sent by its catalogue id
 * (`documentId`), so the console works under every TRUSTED_DOCUMENTS mode and ships no query text.
 * Queries and mutations are a POST; subscriptions are Server-Sent Events over a POST too (graphql-sse),
 * because a browser's EventSource cannot send the Authorization header (docs/console.md, "Live queue").
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { OperationDefinitionNode } from "graphql";
import { createClient, type Client, type RequestParams } from "graphql-sse";

/** A generated document: codegen embeds its catalogue id (persisted-documents.json's key). */
export type CatalogueDocument<Result, Variables> = TypedDocumentNode<Result, Variables> & { __meta__?: { hash?: string } };

/** What the gateway said went wrong, with its stable code (docs/api.md, "Error codes"). */
export class GatewayError extends Error {
  constructor(
    message: string,
    /** extensions.code, e.g. UNAUTHENTICATED, FORBIDDEN, CONFLICT; NETWORK when the gateway did not answer. */
    readonly code: string,
    /** extensions.reason where the gateway gives one, e.g. TOKEN_EXPIRED, ALREADY_DECIDED. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

interface ErrorBody {
  message: string;
  extensions?: { code?: string; reason?: string };
}

interface ResultBody<Result> {
  data?: Result | null;
  errors?: readonly ErrorBody[];
}

const NOT_ANSWERING = () => new GatewayError("The gateway did not answer. Is it running?", "NETWORK");

function errorOf(errors: readonly ErrorBody[], status: number): GatewayError {
  const [first] = errors;
  return new GatewayError(first?.message ?? `HTTP ${status}`, first?.extensions?.code ?? "INTERNAL", first?.extensions?.reason);
}

/** The body a refusal carries (401, 403, 429…): its GraphQL errors, or the bare status. */
async function refusalOf(response: Response): Promise<GatewayError> {
  const body = (await response.json().catch(() => ({}))) as ResultBody<unknown>;
  return body.errors?.length ? errorOf(body.errors, response.status) : new GatewayError(`HTTP ${response.status}`, "INTERNAL");
}

function paramsOf<R, V>(document: CatalogueDocument<R, V>, variables: V): RequestParams & { documentId: string } {
  const documentId = document.__meta__?.hash;
  if (!documentId) throw new Error("This document has no catalogue id: run `npm run codegen`");
  // Codegen's documents hold one operation (with its fragments after it).
  const operation = document.definitions.find((d): d is OperationDefinitionNode => String(d.kind) === "OperationDefinition");
  // query is empty: the gateway takes the operation from its catalogue by id.
  return { query: "", documentId, operationName: operation?.name?.value, variables: variables as Record<string, unknown> };
}

export interface SubscriptionHandlers<Result> {
  onEvent: (data: Result) => void;
  /** The stream failed for good (a bad token, a refusal); a dropped connection is retried instead. */
  onError: (error: GatewayError) => void;
  /** Each time the stream is (re)established: re-read what may have changed while it was down. */
  onConnected?: (reconnected: boolean) => void;
}

export interface Api {
  /** Runs a query or mutation; rejects with a GatewayError on any error (the console shows no half answers). */
  request<Result, Variables>(document: CatalogueDocument<Result, Variables>, variables: Variables): Promise<Result>;
  /** Follows a subscription until the returned function is called. */
  subscribe<Result, Variables>(
    document: CatalogueDocument<Result, Variables>,
    variables: Variables,
    handlers: SubscriptionHandlers<Result>,
  ): () => void;
  close(): void;
}

/** Waits 0.5 s, 1 s, 2 s… up to 10 s between reconnection attempts (graphql-sse's default doubles without bound). */
const backOff = (retries: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 10_000)));

export function createApi(graphqlUrl: string, token: string): Api {
  const headers = { authorization: `Bearer ${token}` };
  let sse: Client | undefined;

  async function request<Result, Variables>(document: CatalogueDocument<Result, Variables>, variables: Variables): Promise<Result> {
    const response = await fetch(graphqlUrl, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify(paramsOf(document, variables)),
    }).catch(() => Promise.reject(NOT_ANSWERING()));
    const body = (await response.json().catch(() => ({}))) as ResultBody<Result>;
    if (body.errors?.length) throw errorOf(body.errors, response.status);
    if (!response.ok || body.data == null) throw new GatewayError(`HTTP ${response.status}`, "INTERNAL");
    return body.data;
  }

  function subscribe<Result, Variables>(
    document: CatalogueDocument<Result, Variables>,
    variables: Variables,
    { onEvent, onError, onConnected }: SubscriptionHandlers<Result>,
  ): () => void {
    sse ??= createClient({
      url: graphqlUrl,
      headers,
      retryAttempts: Number.POSITIVE_INFINITY,
      retry: backOff,
      // A refusal is final (graphql-sse would retry it as a network error): reported at once, with its code.
      fetchFn: async (input: RequestInfo | URL, init?: RequestInit) => {
        const response = await fetch(input, init);
        if (response.status >= 400 && response.status < 500) throw await refusalOf(response);
        return response;
      },
    });
    return sse.subscribe<Result>(
      paramsOf(document, variables),
      {
        next: (result) => {
          if (result.errors?.length) onError(errorOf(result.errors, 200));
          else if (result.data) onEvent(result.data);
        },
        error: (error: unknown) => onError(error instanceof GatewayError ? error : NOT_ANSWERING()),
        complete: () => undefined,
      },
      { connected: (reconnected) => onConnected?.(reconnected) },
    );
  }

  return {
    request,
    subscribe,
    close() {
      sse?.dispose();
      sse = undefined;
    },
  };
}
