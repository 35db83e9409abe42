import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeEachDatabase } from "../helpers/harness.js";
import { STRONG_PASSWORD } from "../helpers/api.js";

/**
 * kill -9 in the middle of a write load, then a restart on the same data: every
 * write answered 2xx is there, and the database opens cleanly. On PGlite this
 * holds because each write(2) reaches the operating system before COMMIT
 * returns; PGlite runs with fsync=off, so a power loss is another matter (see
 * docs/security.md, "Durability").
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function serve(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(ROOT, "bin/gatehouse.js"), "serve"], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", LIMIT_IP_FAILURES: "100000", LIMIT_REGISTRATIONS: "100000" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    assert.equal(proc.exitCode, null, `the server exited: ${out}`);
    assert.ok(Date.now() < deadline, `the server did not become ready: ${out}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { proc, url, output: () => out };
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function post(url: string, path: string, body: unknown, token?: string, method = "POST") {
  const res = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

describeEachDatabase("crash safety", (h) => {
  test("kill -9 under a write load loses no acknowledged write, and the data opens cleanly", async () => {
    const prefix = `crash-${randomBytes(3).toString("hex")}`;
    const ackedOrgs: string[] = [];
    let ackedPatches = 0;
    let lastAcked: number | null = null;
    let inFlight: number | null = null;
    let adminSlug = "";

    await h.whileStopped(async () => {
      const first = await serve(h.childEnv());
      adminSlug = `${prefix}-admin`;
      const reg = await post(first.url, "/api/v1/auth/register", { organizationName: "Crash Admin", organizationSlug: adminSlug, email: `admin@${adminSlug}.test`, password: STRONG_PASSWORD });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const token = reg.body!.accessToken as string;

      let killed = false;
      const settingsWriter = (async () => {
        for (let i = 0; !killed; i++) {
          const value = 9 + (i % 120);
          inFlight = value;
          const res = await post(first.url, "/api/v1/organization/settings", { passwordMinLength: value }, token, "PATCH").catch(() => null);
          if (!res) return;
          if (res.status === 200) {
            ackedPatches++;
            lastAcked = value;
            inFlight = null;
          }
        }
      })();
      const registrar = async (worker: number) => {
        for (let n = 0; !killed; n++) {
          const slug = `${prefix}-${worker}-${n}`;
          const res = await post(first.url, "/api/v1/auth/register", { organizationName: slug, organizationSlug: slug, email: `admin@${slug}.test`, password: STRONG_PASSWORD }).catch(() => null);
          if (!res) return;
          if (res.status === 201) ackedOrgs.push(slug);
        }
      };
      const registrars = [0, 1, 2].map(registrar);
      const deadline = Date.now() + 30_000;
      while ((ackedOrgs.length < 15 || ackedPatches < 20) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(ackedOrgs.length >= 15 && ackedPatches >= 20, `load ran (${ackedOrgs.length} registrations, ${ackedPatches} patches)`);
      // Mid-load: requests are in flight on every worker.
      first.proc.kill("SIGKILL");
      killed = true;
      await new Promise((r) => first.proc.once("exit", r));
      await Promise.all([settingsWriter, ...registrars]);

      const second = await serve(h.childEnv());
      try {
        for (const slug of ackedOrgs) {
          const res = await fetch(`${second.url}/api/v1/organizations/${slug}/password-policy`);
          assert.equal(res.status, 200, `acknowledged registration of ${slug} survived`);
        }
        const again = await post(second.url, "/api/v1/auth/login", { organizationSlug: ackedOrgs.at(-1), email: `admin@${ackedOrgs.at(-1)}.test`, password: STRONG_PASSWORD });
        assert.equal(again.status, 200, "the last acknowledged admin signs in");
        const admin = await post(second.url, "/api/v1/auth/login", { organizationSlug: adminSlug, email: `admin@${adminSlug}.test`, password: STRONG_PASSWORD });
        const settings = await fetch(`${second.url}/api/v1/organization/settings`, { headers: { authorization: `Bearer ${admin.body!.accessToken as string}` } });
        const { passwordMinLength } = (await settings.json()) as { passwordMinLength: number };
        assert.ok(passwordMinLength === lastAcked || passwordMinLength === inFlight, `settings are the last acknowledged ${lastAcked} (or the one in flight ${inFlight}), got ${passwordMinLength}`);
      } finally {
        second.proc.kill("SIGTERM");
        await new Promise((r) => second.proc.once("exit", r));
      }
    });

    // And the harness reopened the same data in this process: the audit trail holds every acknowledged change.
    const db = h.runtime.database.db;
    const org = await db.selectFrom("organizations").select("id").where("slug", "=", adminSlug).executeTakeFirstOrThrow();
    const audited = await db.selectFrom("audit_logs").select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", org.id).where("event_type", "=", "ORGANIZATION_SETTINGS_UPDATE").executeTakeFirstOrThrow();
    assert.ok(Number(audited.n) >= ackedPatches, `${audited.n} audited ≥ ${ackedPatches} acknowledged`);
    const found = await db.selectFrom("organizations").select("slug").where("slug", "in", ackedOrgs).execute();
    assert.equal(found.length, ackedOrgs.length);
  });
}, { persistent: true });
