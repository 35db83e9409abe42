// `npm run build:server`: compiles src/ to lib/ (tsconfig.server.json) and copies
// the SQL migrations beside the compiled migrate.js. bin/gatehouse.js then runs
// lib/ instead of the TypeScript sources, for as long as no source is newer.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
rmSync(join(root, "lib"), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.server.json")], { stdio: "inherit" });
cpSync(join(root, "src/db/migrations"), join(root, "lib/db/migrations"), { recursive: true });
console.log("built lib/ (bin/gatehouse.js runs it while it is newer than src/)");
