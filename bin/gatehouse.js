#!/usr/bin/env node
// Runs the compiled server in lib/ (`npm run build:server`) when it is newer than
// every source file; otherwise the TypeScript sources through tsx, so the CLI
// needs no build step. The compiled form saves tsx's loader thread and source
// maps, about 70 MiB of resident memory (bench/README.md, "Memory").
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const compiled = `${root}lib/main.js`;

function newestSource(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (!entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

if (!process.env.GATEHOUSE_FROM_SOURCE && existsSync(compiled) && statSync(compiled).mtimeMs >= newestSource(`${root}src`)) {
  await import(compiled);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/main.ts");
}
