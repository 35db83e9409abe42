/**
 * Writes sdk/types.gen.ts from the app's OpenAPI document, built in-process
 * (no listen, no database). `--check` writes nothing and exits 1 when the
 * committed file is stale. Run: `npm run generate:sdk`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument } from "./openapi-document.js";
import { generateSdkTypes, type OpenApiDocument } from "./sdk-types.js";

export const TYPES_FILE = fileURLToPath(new URL("../sdk/types.gen.ts", import.meta.url));

export async function renderSdkTypes(): Promise<string> {
  return generateSdkTypes((await buildOpenApiDocument()) as unknown as OpenApiDocument);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const next = await renderSdkTypes();
  let current = "";
  try {
    current = readFileSync(TYPES_FILE, "utf8");
  } catch {
    // First run.
  }
  if (process.argv.includes("--check")) {
    if (current !== next) {
      console.error("sdk/types.gen.ts is stale: run `npm run generate:sdk`");
      process.exit(1);
    }
    console.log("sdk/types.gen.ts is up to date");
  } else if (current === next) {
    console.log("sdk/types.gen.ts is up to date");
  } else {
    writeFileSync(TYPES_FILE, next);
    console.log("wrote sdk/types.gen.ts");
  }
}
