/**
 * GraphiQL from the installed @graphql-yoga/render-graphiql, with nothing loaded from another host.
 * (yoga's own page pulls its script and styles from unpkg.com: offline, or under a strict
 * Content-Security-Policy, it never gets past "Loading…".)
 *
 * The page itself is a few lines of HTML (renderGraphiQL, yoga's `renderGraphiQL` option): its
 * options as JSON, one stylesheet and one script. Those, Monaco's three workers and the icon are
 * served by useGraphiQLAssets under `<assetsPath>/<content hash>/`, so a browser may cache them for
 * good and a new version of the package gets new URLs. The page carries a Content-Security-Policy
 * that allows this origin only (in the page, and as a header that also forbids framing it), so a
 * request to any other host is refused by the browser itself.
 *
 * The bundle is ~9 MB of JavaScript text: it is imported on the first GraphiQL request, not at start,
 * and each asset is gzipped once, when a browser first asks for it gzipped.
 */
import { createHash } from "node:crypto";
import type { GraphiQLOptions, Plugin } from "graphql-yoga";
import { immutableFileResponse, notFound, sameOriginPolicy, scriptJson, type StaticFile as Asset } from "./static-files.ts";

interface Assets {
  /** Part of every asset URL: changes whenever any asset does. */
  hash: string;
  files: Map<string, Asset>;
}

/** Monaco asks for a worker by label (MonacoEnvironment.getWorkerUrl); these are the package's three. */
const WORKERS = { editorWorkerService: "editor.worker.js", json: "json.worker.js", graphql: "graphql.worker.js" } as const;

/**
 * What the page's script runs around the package's bundle: Monaco's workers from this gateway (the
 * package's own page makes blob: URLs of inlined copies), then GraphiQL with the options the page
 * carries as JSON (no inline script, so the page's CSP can forbid them).
 */
function pageScript(bundle: string, base: string): string {
  const workerUrls = Object.fromEntries(Object.entries(WORKERS).map(([label, file]) => [label, `${base}/${file}`]));
  return [
    `{ const workerUrls = ${JSON.stringify(workerUrls)};`,
    `  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workerUrls[label] ?? workerUrls.editorWorkerService }; }`,
    bundle,
    ";",
    `YogaGraphiQL.renderYogaGraphiQL(document.getElementById("root"), JSON.parse(document.getElementById("graphiql-options").textContent));`,
  ].join("\n");
}

async function loadAssets(assetsPath: string): Promise<Assets> {
  const bundle = await import("@graphql-yoga/render-graphiql/graphiql");
  const hash = createHash("sha256")
    .update(bundle.js)
    .update(bundle.css)
    .update(bundle.favicon)
    .update(bundle.editorWorkerService)
    .update(bundle.jsonWorker)
    .update(bundle.graphqlWorker)
    .digest("hex")
    .slice(0, 16);
  const base = `${assetsPath}/${hash}`;
  const js = "text/javascript; charset=utf-8";
  const text = (body: string, contentType: string): Asset => ({ body: Buffer.from(body, "utf8"), contentType });
  const files = new Map<string, Asset>([
    ["graphiql.js", text(pageScript(bundle.js, base), js)],
    ["graphiql.css", text(bundle.css, "text/css; charset=utf-8")],
    [WORKERS.editorWorkerService, text(bundle.editorWorkerService, js)],
    [WORKERS.json, text(bundle.jsonWorker, js)],
    [WORKERS.graphql, text(bundle.graphqlWorker, js)],
    ["favicon.ico", favicon(bundle.favicon)],
  ]);
  return { hash, files };
}

/** The package ships its icon as a data: URL. */
function favicon(dataUrl: string): Asset {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(dataUrl);
  if (!match) throw new Error("@graphql-yoga/render-graphiql: unexpected favicon format");
  return { body: Buffer.from(match[2], "base64"), contentType: match[1] };
}

/** Only this origin; styles inline because Monaco and React set them at run time. */
const CONTENT_SECURITY_POLICY = sameOriginPolicy({ "style-src": "'self' 'unsafe-inline'" });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface OfflineGraphiQL {
  /** For yoga's `renderGraphiQL` option. */
  render: (options: GraphiQLOptions) => Promise<string>;
  /** Serves the page's assets; put it early in the plugin list (it answers before authentication). */
  plugin: Plugin;
}

/** GraphiQL on `graphqlPath`, whose every asset this gateway serves under `assetsPath` (e.g. /graphql/graphiql). */
export function offlineGraphiQL(graphqlPath: string, assetsPath: string): OfflineGraphiQL {
  let loading: Promise<Assets> | undefined;
  // A failed load is not cached: the next request tries again.
  const assets = () =>
    (loading ??= loadAssets(assetsPath).catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));

  const render = async (options: GraphiQLOptions): Promise<string> => {
    const { hash } = await assets();
    const base = `${assetsPath}/${hash}`;
    return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY.meta}" />
    <title>${escapeHtml(options.title ?? "GraphiQL")}</title>
    <link rel="icon" href="${base}/favicon.ico" />
    <link rel="stylesheet" href="${base}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${scriptJson(options)}</script>
    <script src="${base}/graphiql.js"></script>
  </body>
</html>
`;
  };

  const plugin: Plugin = {
    // GraphiQL's page is yoga's answer to a browser's GET on the GraphQL endpoint.
    onResponse({ request, response }) {
      if (new URL(request.url).pathname === graphqlPath && response.headers.get("content-type")?.startsWith("text/html")) {
        response.headers.set("content-security-policy", CONTENT_SECURITY_POLICY.header);
        response.headers.set("x-content-type-options", "nosniff");
      }
    },
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (!url.pathname.startsWith(`${assetsPath}/`) || (request.method !== "GET" && request.method !== "HEAD")) return;
      const [hash, name, ...rest] = url.pathname.slice(assetsPath.length + 1).split("/");
      return assets().then(async (loaded) => {
        const asset = hash === loaded.hash && rest.length === 0 ? loaded.files.get(name ?? "") : undefined;
        payload.endResponse(asset ? await immutableFileResponse(fetchAPI, request, asset) : notFound(fetchAPI));
      });
    },
  };

  return { render, plugin };
}
