import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { buildConsole } from "../web/build.js";
import { openTestPGlite } from "./helpers/pglite-dump.js";
import { startRuntime, type Runtime } from "../src/runtime.js";
import { CONSOLE_CSP, consoleRoutes } from "../src/http/console.js";
import { testConfig } from "./helpers/harness.js";

// Built once (a no-op when dist/web is current): the app reads dist/web when it is built.
await buildConsole();

describe("the web console is served at / with its security and caching headers", () => {
  let runtime: Runtime;
  let dataDir: string;
  const get = (url: string, headers: Record<string, string> = {}) => runtime.app.inject({ method: "GET", url, headers });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "gatehouse-console-"));
    runtime = await startRuntime(testConfig(dataDir), { database: await openTestPGlite() });
  });
  after(async () => {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("index.html has a CSP without unsafe-inline, nosniff, no-referrer, no-cache and an ETag", async () => {
    const res = await get("/");
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/html/);
    const csp = String(res.headers["content-security-policy"]);
    assert.equal(csp, CONSOLE_CSP);
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'"]) {
      assert.ok(csp.split("; ").includes(directive), `CSP has ${directive}`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.equal(res.headers["referrer-policy"], "no-referrer");
    assert.equal(res.headers["cache-control"], "no-cache");
    assert.doesNotMatch(res.body, /<script>(?!<\/script>)/, "no inline script in the page");
    const again = await get("/", { "if-none-match": String(res.headers.etag) });
    assert.equal(again.statusCode, 304);
  });

  test("index.html tells the console that sign-up is closed only when it is", async () => {
    assert.doesNotMatch((await get("/")).body, /gatehouse-signup/, "SIGNUP=open is the console's default: no tag");
    const app = Fastify();
    await app.register(consoleRoutes, { signup: "closed" });
    const closed = await app.inject({ method: "GET", url: "/register" });
    assert.equal(closed.statusCode, 200);
    assert.match(closed.body, /<meta name="gatehouse-signup" content="closed" \/>\s*<\/head>/);
    await app.close();
  });

  test("hashed assets are cached for a year, immutable", async () => {
    const index = (await get("/")).body;
    const assets = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css")), `assets in: ${index}`);
    for (const asset of assets) {
      const res = await get(asset);
      assert.equal(res.statusCode, 200, asset);
      assert.equal(res.headers["cache-control"], "public, max-age=31536000, immutable");
      assert.equal(res.headers["x-content-type-options"], "nosniff");
    }
  });

  test("console paths fall back to index.html, mailed links included", async () => {
    for (const url of ["/reset-password?token=abc", "/set-password?token=abc", "/sign-in", "/organization/members", "/account/"]) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers["content-type"]), /^text\/html/, url);
      assert.equal(res.headers["content-security-policy"], CONSOLE_CSP, url);
    }
  });

  test("unknown API and server paths keep their JSON 404s", async () => {
    for (const url of ["/api/v1/nope", "/api", "/docs/nope", "/.well-known/nope", "/healthz/x", "/readyz/x", "/openapi.json/x", "/assets/missing-123.js", "/favicon.ico"]) {
      const res = await get(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers["content-type"]), /^application\/json/, url);
      assert.equal(res.json().error, "NOT_FOUND", url);
    }
    const flashback = await get("/mfa/nope");
    assert.equal(flashback.statusCode, 404);
    assert.equal(flashback.json().success, false);
    const post = await runtime.app.inject({ method: "POST", url: "/settings" });
    assert.equal(post.statusCode, 404);
    assert.equal(post.json().error, "NOT_FOUND");
    const api = await get("/api/v1/auth/me");
    assert.equal(api.statusCode, 401, "existing routes are untouched");
  });
});

describe("a console rebuilt under a running server", () => {
  test("index.html is read again when it changes on disk, so it names the assets that exist now", async () => {
    const root = mkdtempSync(join(tmpdir(), "gatehouse-rebuild-"));
    mkdirSync(join(root, "assets"));
    const page = (asset: string) => `<!doctype html><html><head><script type="module" src="/assets/${asset}"></script></head><body></body></html>`;
    writeFileSync(join(root, "index.html"), page("index-OLD.js"));
    const app = Fastify();
    await app.register(consoleRoutes, { root });
    try {
      const first = await app.inject({ method: "GET", url: "/" });
      assert.match(first.body, /index-OLD\.js/);
      writeFileSync(join(root, "index.html"), page("index-NEW-and-longer.js"));
      const second = await app.inject({ method: "GET", url: "/account", headers: { "if-none-match": String(first.headers.etag) } });
      assert.equal(second.statusCode, 200, "the old ETag no longer matches");
      assert.match(second.body, /index-NEW-and-longer\.js/);
      assert.notEqual(second.headers.etag, first.headers.etag);
      // Caught between the old file's removal and the new one's write: the last complete read.
      rmSync(join(root, "index.html"));
      assert.match((await app.inject({ method: "GET", url: "/" })).body, /index-NEW-and-longer\.js/);
    } finally {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("without a build", () => {
  test("the console answers 503 with the command that builds it, and unknown API paths stay 404", async () => {
    const empty = mkdtempSync(join(tmpdir(), "gatehouse-nobuild-"));
    const app = Fastify();
    await app.register(consoleRoutes, { root: empty });
    try {
      const res = await app.inject({ method: "GET", url: "/" });
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /npm run build:web/);
      assert.equal((await app.inject({ method: "GET", url: "/set-password?token=x" })).statusCode, 503);
      assert.equal((await app.inject({ method: "GET", url: "/api/v1/x" })).statusCode, 404);
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
