/**
 * A GraphQL-over-SSE client for tests: POST with Accept: text/event-stream, as graphql-yoga serves
 * subscriptions, with whatever credential headers the test sends. `ended` tells when the server
 * closed the stream.
 */
export interface SseStream {
  status: number;
  contentType: string | null;
  /** The next `next` payload (or an error response); rejects after timeoutMs. */
  next(timeoutMs?: number): Promise<any>;
  /** Resolves true if nothing arrives within ms. */
  quietFor(ms: number): Promise<boolean>;
  /** Resolves once the server has closed the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, query: string, headers: Record<string, string>, variables: object = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const received: any[] = [];
  let wake: (() => void) | undefined;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let text = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = text.indexOf("\n\n")) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const data = block
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim())
            .join("\n");
          if (!data) continue; // keep-alive comments and the final "complete" event
          received.push(JSON.parse(data));
          wake?.();
        }
      }
    } catch {
      // aborted
    }
  })();
  const waitFor = (timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (received.length) return resolve(true);
      const timer = setTimeout(() => resolve(false), timeoutMs);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve(true);
      };
    });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    async next(timeoutMs = 5_000) {
      if (!(await waitFor(timeoutMs))) throw new Error(`no event within ${timeoutMs} ms`);
      return received.shift();
    },
    quietFor: async (ms) => !(await waitFor(ms)),
    ended,
    close: () => controller.abort(),
  };
}
