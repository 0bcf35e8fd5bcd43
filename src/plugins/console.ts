/**
 * The operator console (console/, a Vite build in dist/console made by `npm install`): its page at /
 * and its content-hashed files under /console/assets/, from this gateway alone. The page talks to the
 * public GraphQL API like any client; it holds no secret except, in embedded mode, the development
 * operator token (signed with the public development secret), which it offers for signing in.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "graphql-yoga";
import { contentTypeOf, immutableFileResponse, notFound, pageHeaders, sameOriginPolicy, scriptJson, type StaticFile } from "./static-files.ts";

export const CONSOLE_PATH = "/";
/** Where Vite puts the console's files (console/vite.config.ts: base /console/, assets/). */
export const CONSOLE_ASSETS_PATH = "/console/assets";
export const CONSOLE_BUILD_DIR = fileURLToPath(new URL("../../dist/console", import.meta.url));

/** Charts draw on canvas, Preact sets styles through the DOM: nothing inline, nothing from elsewhere. */
const CONTENT_SECURITY_POLICY = sameOriginPolicy();

export interface ConsoleOptions {
  graphqlPath: string;
  /** Embedded mode only: the development operator token the sign-in page fills in. */
  devToken?: string;
  buildDir?: string;
}

/** Whether `npm run build:console` has run (the banner says so when it has not). */
export const consoleBuilt = (buildDir = CONSOLE_BUILD_DIR): boolean => existsSync(path.join(buildDir, "index.html"));

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>HotDash console: not built</title></head>
<body><h1>The console has not been built</h1>
<p>Code <code>CONSOLE_NOT_BUILT</code>: no <code>dist/console/index.html</code>. <code>npm install</code> builds it;
to build it again, run <code>npm run build:console</code> and reload. GraphiQL is at <a href="/graphql">/graphql</a>.</p>
</body></html>
`;

/** Asset names are Vite's `<name>-<hash>.<ext>`: nothing else (no "..", no subfolders) is looked up. */
const ASSET_NAME = /^[\w.-]+$/;

export function useConsole({ graphqlPath, devToken, buildDir = CONSOLE_BUILD_DIR }: ConsoleOptions): Plugin {
  const files = new Map<string, Promise<StaticFile | null>>();
  const options = scriptJson({ graphqlPath, ...(devToken && { devToken }) });

  const assetFile = (name: string) => {
    let file = files.get(name);
    if (!file) {
      file = readFile(path.join(buildDir, "assets", name)).then(
        (body): StaticFile => ({ body, contentType: contentTypeOf(name) }),
        () => null,
      );
      // A missing file is not remembered: a build may add it.
      void file.then((found) => found ?? files.delete(name));
      files.set(name, file);
    }
    return file;
  };

  return {
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (request.method !== "GET" && request.method !== "HEAD") return;
      if (url.pathname === CONSOLE_PATH) {
        // Read each time (a few hundred bytes): a rebuild shows at the next reload.
        return readFile(path.join(buildDir, "index.html"), "utf8").then(
          (html) => {
            const page = html.replace("</head>", `  <script type="application/json" id="console-options">${options}</script>\n  </head>`);
            payload.endResponse(
              new fetchAPI.Response(request.method === "HEAD" ? null : page, { status: 200, headers: pageHeaders(CONTENT_SECURITY_POLICY) }),
            );
          },
          () => payload.endResponse(new fetchAPI.Response(NOT_BUILT_PAGE, { status: 503, headers: pageHeaders(CONTENT_SECURITY_POLICY) })),
        );
      }
      if (!url.pathname.startsWith(`${CONSOLE_ASSETS_PATH}/`)) return;
      const name = url.pathname.slice(CONSOLE_ASSETS_PATH.length + 1);
      if (!ASSET_NAME.test(name) || name.startsWith(".")) return payload.endResponse(notFound(fetchAPI));
      return assetFile(name).then(async (file) =>
        payload.endResponse(file ? await immutableFileResponse(fetchAPI, request, file) : notFound(fetchAPI)),
      );
    },
  };
}
