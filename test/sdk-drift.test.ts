import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GatehouseClient, OPERATION_METHODS } from "../sdk/index.js";
import { buildOpenApiDocument } from "../scripts/openapi-document.js";
import { renderSdkTypes, TYPES_FILE } from "../scripts/generate-sdk-types.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SDK_DIR = join(ROOT, "sdk");

describe("the SDK follows the OpenAPI document", () => {
  test("sdk/types.gen.ts is what the generator makes of today's routes", async () => {
    const fresh = await renderSdkTypes();
    const committed = readFileSync(TYPES_FILE, "utf8");
    if (fresh !== committed) {
      const a = committed.split("\n");
      const b = fresh.split("\n");
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(`sdk/types.gen.ts is stale from line ${line + 1} (committed: ${JSON.stringify(a[line])}, generated: ${JSON.stringify(b[line])}); run \`npm run generate:sdk\``);
    }
  });

  test("every operation of the document has an SDK method, and every mapped method exists", async () => {
    const doc = (await buildOpenApiDocument()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId)).sort();
    assert.deepEqual(Object.keys(OPERATION_METHODS).sort(), ids);
    const client = new GatehouseClient({ baseUrl: "http://gatehouse.invalid", fetch: () => Promise.reject(new Error("offline")) });
    for (const [op, method] of Object.entries(OPERATION_METHODS)) {
      const target = method.split(".").reduce<unknown>((obj, part) => (obj as Record<string, unknown>)[part], client);
      assert.equal(typeof target, "function", `${op} → ${method}`);
    }
  });

  test("the SDK has no runtime dependencies and no Node built-ins", () => {
    for (const file of readdirSync(SDK_DIR).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(SDK_DIR, file), "utf8");
      const imports = [...source.matchAll(/(?:import|export)[^;]*?from\s+"([^"]+)"/g)].map((m) => m[1]!);
      assert.deepEqual(imports.filter((s) => !s.startsWith("./")), [], `${file} imports only its siblings`);
      assert.doesNotMatch(source, /\b(process|Buffer|require)\b[.(]/, `${file} uses no Node globals`);
    }
  });

  test("the SDK type-checks with the DOM library and without Node's types", async () => {
    await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", SDK_DIR], { timeout: 120_000 });
  });

  test("the SDK bundles for browsers with Vite", async () => {
    const { build } = await import("vite");
    const outDir = mkdtempSync(join(tmpdir(), "gatehouse-sdk-"));
    try {
      await build({
        configFile: false,
        logLevel: "silent",
        root: ROOT,
        build: { outDir, emptyOutDir: true, target: "es2022", minify: false, lib: { entry: join(SDK_DIR, "index.ts"), formats: ["es"], fileName: "sdk" } },
      });
      const bundle = readFileSync(join(outDir, "sdk.js"), "utf8");
      assert.match(bundle, /class GatehouseClient/);
      assert.doesNotMatch(bundle, /from\s*["']node:|require\(/);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
