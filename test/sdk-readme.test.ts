import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describeEachDatabase } from "./helpers/harness.js";
import { codeNow, enrolTotp } from "./helpers/mfa.js";

/**
 * The README's SDK example is what an integrator copies, so it is checked as
 * written: it must type-check beside `sdk/` (imported as "./sdk"), and it must
 * sign an admin in through an MFA challenge and enforce MFA against a live server.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const README_BASE_URL = "http://localhost:3000";

function readmeExample(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Client SDK\n"));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(readme.includes("\n## Client SDK\n") && block, "README.md has a ```ts block under ## Client SDK");
  return block[1]!;
}

/** A directory holding the example as `example.mts` next to a link to sdk/, as in an integrator's project. */
function project(source: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-readme-"));
  symlinkSync(join(ROOT, "sdk"), join(dir, "sdk"), "dir");
  const file = join(dir, "example.mts");
  writeFileSync(file, source);
  return { dir, file };
}

/** Under a bundler's resolution and under Node's own (NodeNext, as this repository's tsconfig.json). */
function typeErrors(file: string, resolution: "bundler" | "nodenext"): string[] {
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: resolution === "bundler" ? ts.ModuleKind.ESNext : ts.ModuleKind.NodeNext,
    moduleResolution: resolution === "bundler" ? ts.ModuleResolutionKind.Bundler : ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules/@types")],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

test("the README's SDK example is short, imports Gatehouse from ./sdk/index.js and type-checks under both resolutions", (t) => {
  const source = readmeExample();
  assert.match(source, /import \{ Gatehouse \} from "\.\/sdk\/index\.js";/);
  assert.match(source, /\.signIn\(/);
  assert.match(source, /onMfaCode/);
  assert.match(source, /\.enforceOrganizationMfa\(true\)/);
  const lines = source.split("\n").filter((l) => l.trim() && !l.trim().startsWith("import "));
  assert.ok(lines.length <= 10, `ten lines, not ${lines.length}`);
  const { dir, file } = project(source);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(typeErrors(file, "bundler"), []);
  assert.deepEqual(typeErrors(file, "nodenext"), [], "as tsconfig.json resolves: the import names the file");
});

describeEachDatabase("the README's SDK example against a live server", (h) => {
  let baseUrl = "";
  let dir = "";
  before(async () => {
    await h.app.listen({ port: 0, host: "127.0.0.1" });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  test("signs the walk-through's admin in through the MFA challenge and enforces MFA", async () => {
    // The walk-through's organization and admin, who has enrolled an authenticator.
    const registered = await h.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { organizationName: "Acme Corp", email: "admin@acme.test", password: "Sup3r-Secret-Pass" },
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const { secret } = await enrolTotp(h, registered.json().accessToken);

    const source = readmeExample();
    assert.ok(source.includes(README_BASE_URL));
    const example = project(source.replace(README_BASE_URL, baseUrl));
    dir = example.dir;
    const child = spawn(process.execPath, ["--import", "tsx", example.file], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let answered = 0;
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk));
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      // The example asks on its terminal; answer as the authenticator app would.
      if (stdout.split("Code from your authenticator app: ").length - 1 > answered) {
        answered++;
        child.stdin.write(`${codeNow(h, secret)}\n`);
      }
    });
    const kill = setTimeout(() => child.kill(), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(kill);

    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.equal(answered, 1, "asked for one MFA code");
    assert.match(stdout, /MFA is now required in Acme Corp/);
    const org = await h.runtime.database.db.selectFrom("organizations").select(["id", "mfa_required"]).where("slug", "=", "acme-corp").executeTakeFirstOrThrow();
    assert.equal(org.mfa_required, true);
    const events = await h.runtime.database.db.selectFrom("audit_logs").select("event_type").where("organization_id", "=", org.id).execute();
    const types = events.map((e) => e.event_type);
    assert.ok(types.includes("MFA_CHALLENGE_VERIFY") && types.includes("ORGANIZATION_SETTINGS_UPDATE"), types.join(", "));
  });
});
