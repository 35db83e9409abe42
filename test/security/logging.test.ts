import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { testConfig } from "../helpers/harness.js";
import { openPGlite } from "../../src/db/connection.js";
import { startRuntime } from "../../src/runtime.js";
import { redactUrl } from "../../src/http/log-redaction.js";

test("the request log holds no token, code or password, whatever the URL carries (ASVS 7.1.1)", async () => {
  let log = "";
  const stream = new Writable({ write(chunk, _enc, done) { log += chunk.toString(); done(); } });
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-log-"));
  const runtime = await startRuntime(testConfig(dataDir), { database: await openPGlite(null), logger: { level: "info", stream } });
  try {
    const app = runtime.app;
    await app.inject({ method: "GET", url: "/reset-password?token=pwd_reset_SECRET1" });
    await app.inject({ method: "GET", url: "/set-password?lang=en&token=ghi_SECRET2" });
    await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: { authorization: "Bearer SECRET3" } });
    await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { organizationSlug: "x-org", email: "a@b.test", password: "SECRET4-pass" } });
    await app.inject({ method: "GET", url: "/api/v1/users?refresh%5Ftoken=SECRET5&q=ada" });
    assert.match(log, /"url":"\/reset-password\?token=\[REDACTED\]"/, "requests are still logged");
    assert.match(log, /lang=en&token=\[REDACTED\]/, "other parameters are kept");
    assert.ok(!/SECRET\d/.test(log), log.split("\n").filter((l) => /SECRET/.test(l)).join("\n"));
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("redactUrl keeps paths and harmless parameters", () => {
  assert.equal(redactUrl("/api/v1/users?limit=5"), "/api/v1/users?limit=5");
  assert.equal(redactUrl("/x?code=123456&page=2"), "/x?code=[REDACTED]&page=2");
  assert.equal(redactUrl("/x?inviteToken"), "/x?inviteToken");
  assert.equal(redactUrl("/x?%E0%A4%A=1"), "/x?%E0%A4%A=1");
});
