import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { testConfig } from "../helpers/harness.js";
import { openTestPGlite } from "../helpers/pglite-dump.js";
import { startRuntime } from "../../src/runtime.js";
import { redactUrl } from "../../src/http/log-redaction.js";
import { createSecretBox, generateMasterKey, keyIdOf } from "../../src/crypto/secretbox.js";
import { resealUnderCurrentKey } from "../../src/features/keys/master-keys.js";

/** A stream for the server's log, and what has been written to it. */
function logCapture(): { stream: Writable; text(): string } {
  let log = "";
  const stream = new Writable({ write(chunk, _enc, done) { log += chunk.toString(); done(); } });
  return { stream, text: () => log };
}

test("the request log holds no token, code or password, whatever the URL carries (ASVS 7.1.1)", async () => {
  const { stream, text } = logCapture();
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-log-"));
  const runtime = await startRuntime(testConfig(dataDir), { database: await openTestPGlite(), logger: { level: "info", stream } });
  try {
    const app = runtime.app;
    await app.inject({ method: "GET", url: "/reset-password?token=pwd_reset_SECRET1" });
    await app.inject({ method: "GET", url: "/set-password?lang=en&token=ghi_SECRET2" });
    await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: { authorization: "Bearer SECRET3" } });
    await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { organizationSlug: "x-org", email: "a@b.test", password: "SECRET4-pass" } });
    await app.inject({ method: "GET", url: "/api/v1/users?refresh%5Ftoken=SECRET5&q=ada" });
    const log = text();
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

test("a master key dropped from GATEHOUSE_SECRET_KEY too soon: start-up logs the TOTP secrets under it; a password hash under it is a 401 like a wrong password, logged once, never the password", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-dropped-key-"));
  const [oldKey, newKey] = [generateMasterKey(), generateMasterKey()];
  const keysEnv = (...keys: Buffer[]) => ({ GATEHOUSE_SECRET_KEY: keys.map((k) => k.toString("base64")).join(","), LOG_LEVEL: "info" });
  const pgdata = join(dataDir, "pgdata");
  try {
    const before = await startRuntime(testConfig(dataDir, keysEnv(oldKey)), { database: await openTestPGlite(pgdata), logger: false });
    const register = await before.app.inject({
      method: "POST", url: "/api/v1/auth/register",
      payload: { organizationName: "Dropped Key", email: "ada@dropped.test", password: "Quartz-Meadow-Lantern-31" },
    });
    assert.equal(register.statusCode, 201, register.body);
    const slug = register.json().user.organizationSlug as string;
    await before.close();
    // The operator moved the signing keys to the new master key, then dropped the old one too soon,
    // while a member's TOTP secret was still sealed under it.
    const database = await openTestPGlite(pgdata);
    await resealUnderCurrentKey(database.db, createSecretBox([newKey, oldKey]));
    await database.db.insertInto("mfa_totp").values({
      user_id: register.json().user.id, secret_enc: createSecretBox([oldKey]).seal("JBSWY3DPEHPK3PXP"), confirmed_at: new Date(), created_at: new Date(),
    }).execute();
    await database.close();

    const { stream, text } = logCapture();
    const after = await startRuntime(testConfig(dataDir, keysEnv(newKey)), { database: await openTestPGlite(pgdata), logger: { level: "info", stream } });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await after.app.inject({
          method: "POST", url: "/api/v1/auth/login", payload: { organizationSlug: slug, email: "ada@dropped.test", password: "Quartz-Meadow-Lantern-31" },
        });
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(res.json().error, "INVALID_CREDENTIALS");
      }
      const log = text();
      const lines = log.split("\n").filter((l) => l.includes(keyIdOf(oldKey))).map((l) => JSON.parse(l) as { level: number; msg: string; totpSecrets?: number });
      assert.deepEqual(lines.map((l) => [l.level, l.msg.split(":")[0], l.totpSecrets]), [
        [50, "TOTP secrets are sealed under a master key GATEHOUSE_SECRET_KEY no longer lists", 1],
        [50, "a password hash was made under a master key GATEHOUSE_SECRET_KEY no longer lists", undefined],
      ], "one line at start-up for the TOTP secret, one at the first sign-in for the password hash");
      assert.ok(!log.includes("Quartz-Meadow-Lantern-31"));
      assert.ok(!log.includes("JBSWY3DPEHPK3PXP"));
    } finally {
      await after.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
