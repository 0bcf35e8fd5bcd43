/**
 * The operator console's build (`npm run build:console`; `npm install` runs it after codegen):
 * Preact + Chart.js bundled into dist/console, which the gateway serves at / (src/plugins/console.ts).
 * Nothing is loaded from another host: every script, style and font is in the bundle.
 * `npm run console:dev` serves the sources with hot reload and sends /graphql to a running gateway.
 */
import path from "node:path";
import { defineConfig } from "vite";

const root = import.meta.dirname;

export default defineConfig({
  root,
  // The gateway serves the page at / and the hashed files under /console/assets/.
  base: "/console/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: path.resolve(root, "../dist/console"),
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs: the page's CSP allows this origin only
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    proxy: { "/graphql": { target: process.env.GATEWAY_URL ?? "http://127.0.0.1:4000", changeOrigin: true } },
  },
});
