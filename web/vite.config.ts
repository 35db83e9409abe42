import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const webDir = fileURLToPath(new URL(".", import.meta.url));

/**
 * The console is plain React compiled by Vite's own esbuild JSX transform (no
 * plugin). Output: dist/web/index.html plus content-hashed files in assets/,
 * which the server caches for a year (src/http/console.ts).
 */
export default defineConfig({
  root: webDir,
  base: "/",
  publicDir: false,
  logLevel: "warn",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // No inline script may be needed: the page's CSP is script-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    // `npx vite web` during development, with the API on :3000.
    proxy: { "/api": "http://127.0.0.1:3000", "/mfa": "http://127.0.0.1:3000" },
  },
});
