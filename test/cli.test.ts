/**
 * The `gatehouse` binary as an operator runs it: a child process on the suite's
 * data directory (or PostgreSQL database), with the server's environment. With
 * the embedded database the server is stopped around each batch of commands.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminCommand } from "../src/cli/admin.js";
import { auditCommand } from "../src/cli/audit.js";
import { keysCommand } from "../src/cli/keys.js";
import { orgCommand } from "../src/cli/org.js";
import { checkRunModeArgs, MIGRATE_USAGE, SERVE_USAGE } from "../src/cli/run-modes.js";
import { describeEachDatabase, testConfig } from "./helpers/harness.js";
import { bearer, login, registerOrg, STRONG_PASSWORD, uniqueSlug } from "./helpers/api.js";
import { codeNow, enrolTotp, nextStep } from "./helpers/mfa.js";
import { loadConfig } from "../src/config.js";
import { createPasswordHasher } from "../src/crypto/passwords.js";
import { createSecretBox, generateMasterKey, keyIdOf } from "../src/crypto/secretbox.js";
import { masterKeyUsage, resealUnderCurrentKey, type MasterKeyUsage } from "../src/features/keys/master-keys.js";
import { startRuntime } from "../src/runtime.js";
import { gatehouse, type CliResult as Result } from "./helpers/cli.js";

function succeeded(result: Result | undefined): Result {
  assert.ok(result);
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  return result;
}

interface AuditLine {
  eventType: string;
  actorType: string;
  actorEmail: string | null;
  resourceName: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

const ndjson = (text: string) => text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as AuditLine);

/** The `kid` in a JWT's protected header. */
const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString()) as { kid: string }).kid;

describeEachDatabase("gatehouse CLI on the server's data", (h) => {
  test("org create → settings set → admin reset-mfa → audit export holds those events; reset link and key rotation work", async () => {
    const slug = uniqueSlug("cli");
    const email = `owner@${slug}.test`;
    const env = h.childEnv();
    // The suite's clock stamps what the server writes, the wall clock what the CLI writes.
    const since = new Date(Math.min(Date.now(), h.clock.now().getTime()) - 60_000).toISOString();

    const [created, set, listed] = await h.whileStopped(async () => [
      await gatehouse(env, "org", "create", "--name", "CLI Works", "--slug", slug, "--admin-email", email, "--admin-password", STRONG_PASSWORD, "--json"),
      await gatehouse(env, "org", "settings", "set", "--org", slug, "mfaRequired=true", "passwordMinLength=12"),
      await gatehouse(env, "org", "list", "--json"),
    ]);
    assert.deepEqual(
      (({ slug: s, name, adminEmail }) => ({ s, name, adminEmail }))(JSON.parse(succeeded(created).stdout)),
      { s: slug, name: "CLI Works", adminEmail: email },
    );
    assert.match(succeeded(set).stdout, /mfaRequired = true/);
    assert.match(set!.stdout, /passwordMinLength = 12/);
    const row = (JSON.parse(succeeded(listed).stdout) as { slug: string; members: number; mfaRequired: boolean }[]).find((o) => o.slug === slug);
    assert.deepEqual(row && [row.members, row.mfaRequired], [1, true]);

    // The server sees the same state: the new admin must enrol at first sign-in.
    const first = (await login(h, slug, email, STRONG_PASSWORD)).json();
    assert.equal(first.mfaSetupRequired, true, JSON.stringify(first));
    assert.ok((await enrolTotp(h, first.mfaSetupToken)).accessToken);
    // Another organization's session, signed with the key about to be retired.
    const other = await registerOrg(h);
    const oldKid = kidOf(other.accessToken);

    const [reset, link, rotated, exported] = await h.whileStopped(async () => [
      await gatehouse(env, "admin", "reset-mfa", "--org", slug, "--email", email),
      await gatehouse(env, "admin", "reset-password", "--org", slug, "--email", email),
      await gatehouse(env, "keys", "rotate", "--json"),
      await gatehouse(env, "audit", "export", "--org", slug, "--since", since),
    ]);
    assert.match(succeeded(reset).stdout, /MFA reset for/);

    // The export: newest first, every event of the journey, the operator's as SYSTEM.
    const entries = ndjson(succeeded(exported).stdout);
    const types = entries.map((e) => e.eventType);
    for (const type of ["USER_REGISTER", "ORGANIZATION_SETTINGS_UPDATE", "MFA_ENABLE", "MFA_RESET", "PASSWORD_RESET"]) {
      assert.ok(types.includes(type), `${type} in ${types.join(", ")}`);
    }
    const byCli = entries.filter((e) => e.actorType === "SYSTEM").map((e) => e.eventType);
    assert.deepEqual(byCli, ["PASSWORD_RESET", "MFA_RESET", "ORGANIZATION_SETTINGS_UPDATE", "USER_REGISTER"]);
    const settingsChange = entries.find((e) => e.eventType === "ORGANIZATION_SETTINGS_UPDATE")!;
    assert.match(JSON.stringify(settingsChange.details), /mfaRequired/);
    assert.equal(entries.find((e) => e.eventType === "MFA_RESET")!.resourceName, email);
    assert.equal(entries.find((e) => e.eventType === "MFA_ENABLE")!.actorEmail, email);

    // The link alone on stdout, so a script can capture it; it works once.
    const url = new URL(succeeded(link).stdout.trim());
    assert.equal(`${url.origin}${url.pathname}`, `${h.config.publicUrl}/reset-password`);
    assert.equal(url.searchParams.get("org"), slug, "the link names the organization, for the console's password checklist");
    const token = url.searchParams.get("token")!;
    const payload = { token, password: "Violet-Anchor-Meadow-31" };
    const used = await h.inject({ method: "POST", url: "/api/v1/auth/reset-password", payload });
    assert.equal(used.statusCode, 200, used.body);
    assert.equal(used.json().mfaSetupRequired, true, "MFA was reset and is still required: enrolment comes next");
    assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/reset-password", payload })).statusCode, 401);

    // The rotation: new tokens carry the new key, the old one still verifies the tokens it signed.
    const keys = JSON.parse(succeeded(rotated).stdout) as { kid: string; signing: boolean; retiredAt: string | null }[];
    const signing = keys.find((k) => k.signing)!;
    assert.equal(keys[0], signing, "newest first");
    assert.ok(keys.some((k) => k.kid === oldKid && k.retiredAt), "the old key is retired, not deleted");
    const jwks = (await h.inject({ method: "GET", url: "/.well-known/jwks.json" })).json() as { keys: { kid: string }[] };
    assert.deepEqual(new Set(jwks.keys.map((k) => k.kid)), new Set(keys.map((k) => k.kid)));
    assert.equal((await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(other.accessToken) })).statusCode, 200);
    const fresh = (await login(h, other.slug, other.email, other.password)).json();
    assert.equal(kidOf(fresh.accessToken), signing.kid);

    // --since filters: entries from the MFA reset on, and nothing earlier by the CLI.
    const resetAt = entries.find((e) => e.eventType === "MFA_RESET")!.createdAt;
    const later = await h.whileStopped(() => gatehouse(env, "audit", "export", "--org", slug, "--since", resetAt));
    const laterByCli = ndjson(succeeded(later).stdout).filter((e) => e.actorType === "SYSTEM").map((e) => e.eventType);
    assert.deepEqual(laterByCli, ["PASSWORD_RESET", "MFA_RESET"]);
  });

  test("exit 1 when the database refuses: unknown organization, slug taken, no MFA to reset", async () => {
    const org = await registerOrg(h);
    const env = h.childEnv();
    const failed = await h.whileStopped(async () => [
      await gatehouse(env, "org", "settings", "get", "--org", "no-such-org"),
      await gatehouse(env, "org", "create", "--name", "Taken", "--slug", org.slug, "--admin-email", "x@y.test", "--admin-password", STRONG_PASSWORD),
      await gatehouse(env, "admin", "reset-mfa", "--org", org.slug, "--email", org.email),
    ]);
    for (const [i, result] of failed.entries()) assert.equal(result.code, 1, `failure case ${i}: ${result.stdout}${result.stderr}`);
    assert.match(failed[0]!.stderr, /no organization/);
    assert.match(failed[2]!.stderr, /has no MFA/);
  });

  test("keys master counts what depends on each master key; keys reseal moves TOTP secrets and signing keys to the current one", async () => {
    const org = await registerOrg(h);
    const { secret } = await enrolTotp(h, org.accessToken);
    const db = h.runtime.database.db;
    const now = h.clock.now();
    const unpepperedEmail = `before-pepper@${org.slug}.test`;
    await db.insertInto("users").values({
      organization_id: org.orgId, email: unpepperedEmail, password_hash: await createPasswordHasher(null).hash(STRONG_PASSWORD),
      password_changed_at: now, created_at: now, updated_at: now,
    }).execute();
    const count = async (table: "mfa_totp" | "signing_keys" | "users") =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    const [totpRows, signingRows, userRows] = [await count("mfa_totp"), await count("signing_keys"), await count("users")];

    const oldKey = h.childEnv().GATEHOUSE_SECRET_KEY!;
    const oldId = keyIdOf(Buffer.from(oldKey, "base64"));
    const newKey = generateMasterKey().toString("base64");
    const newId = keyIdOf(Buffer.from(newKey, "base64"));
    const rotatedEnv = { ...h.childEnv(), GATEHOUSE_SECRET_KEY: `${newKey},${oldKey}` };
    const usage = (result: Result | undefined) => new Map((JSON.parse(succeeded(result).stdout) as MasterKeyUsage[]).map((u) => [u.keyId, u]));

    // One stop for all of it: the suite's server, which knows only the old key, must not start on resealed data.
    const [before, resealed, table, signedIn, moved] = await h.whileStopped(async () => {
      const cli = [
        await gatehouse(rotatedEnv, "keys", "master", "--json"),
        await gatehouse(rotatedEnv, "keys", "reseal", "--json"),
        await gatehouse(rotatedEnv, "keys", "master"),
      ] as const;
      // A server on the rotated keys: the resealed TOTP secret and the old key's pepper still sign this admin in.
      const rotated = await startRuntime(loadConfig(rotatedEnv), { logger: false, clock: h.clock.now });
      try {
        const inject = (url: string, payload: object) => rotated.app.inject({ method: "POST", url, payload });
        const challenge = (await inject("/api/v1/auth/login", { organizationSlug: org.slug, email: org.email, password: org.password })).json();
        nextStep(h);
        const verified = await inject("/api/v1/auth/verify-mfa", { mfaChallengeToken: challenge.mfaChallengeToken, code: codeNow(h, secret) });
        const usageAfterSignIn = await masterKeyUsage(rotated.database.db, rotated.box);
        // Back under the suite's key, for the tests after this one.
        await resealUnderCurrentKey(rotated.database.db, createSecretBox([Buffer.from(oldKey, "base64"), Buffer.from(newKey, "base64")]));
        return [...cli, verified, usageAfterSignIn] as const;
      } finally {
        await rotated.close();
      }
    });
    // Everything this suite made was under its one key; the new key has nothing yet.
    const was = usage(before);
    assert.deepEqual(was.get(newId), { keyId: newId, state: "current", totpSecrets: 0, signingKeys: 0, passwordHashes: 0, recoveryCodes: 0 });
    const underOld = was.get(oldId)!;
    assert.equal(underOld.state, "older");
    assert.deepEqual([underOld.totpSecrets, underOld.signingKeys], [totpRows, signingRows]);
    assert.ok(underOld.recoveryCodes >= 8, "this member's unused codes at least");
    const keyless = was.get(null)!;
    assert.ok(keyless.passwordHashes >= 1, "the hash made without a pepper");
    assert.equal(underOld.passwordHashes + keyless.passwordHashes, userRows, "every user has a password here");

    const after = usage(resealed);
    assert.match(resealed!.stderr, new RegExp(`re-sealed ${totpRows} TOTP secret\\(s\\) and ${signingRows} signing key\\(s\\) under ${newId}`));
    assert.deepEqual([after.get(newId)!.totpSecrets, after.get(newId)!.signingKeys], [totpRows, signingRows]);
    assert.deepEqual([after.get(oldId)!.totpSecrets, after.get(oldId)!.signingKeys], [0, 0]);
    assert.equal(after.get(oldId)!.passwordHashes, underOld.passwordHashes, "one-way hashes move only at sign-in");
    assert.match(succeeded(table).stdout, new RegExp(`^${newId}\\s+current\\s+${totpRows}\\s+${signingRows}\\s+0\\s+0\\s*$`, "m"));

    assert.equal(signedIn.statusCode, 200, signedIn.body);
    assert.equal(moved.find((u) => u.keyId === newId)!.passwordHashes, 1, "re-hashed under the new key at sign-in");
    assert.equal((await login(h, org.slug, unpepperedEmail, STRONG_PASSWORD)).statusCode, 200, "the suite's server reads the data again");
  });

  test("keys master reports a master key dropped too soon as missing, though the server refuses to start without it", async () => {
    const oldId = keyIdOf(Buffer.from(h.childEnv().GATEHOUSE_SECRET_KEY!, "base64"));
    const onlyNew = { ...h.childEnv(), GATEHOUSE_SECRET_KEY: generateMasterKey().toString("base64") };
    const [listed, migrated] = await h.whileStopped(async () => [
      await gatehouse(onlyNew, "keys", "master", "--json"),
      await gatehouse(onlyNew, "migrate"),
    ]);
    const missing = (JSON.parse(succeeded(listed).stdout) as MasterKeyUsage[]).find((u) => u.keyId === oldId)!;
    assert.equal(missing.state, "missing");
    assert.ok(missing.signingKeys >= 1, "the signing keys sealed under it");
    assert.equal(migrated!.code, 0, "migrate needs no master key either");
  });
}, { persistent: true });

/** Usage is checked before any database opens: these need only a configuration. */
describe("gatehouse usage", () => {
  const helpConfig = () => testConfig("/nonexistent/gatehouse-cli-usage");

  test("the binary: --help exits 0 at the top and below a command, usage errors exit 2", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-cli-usage-"));
    try {
      const env = { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, LOG_LEVEL: "silent", GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 7).toString("base64") };
      const [top, nested, serveHelp, migrateHelp] = await Promise.all([
        gatehouse(env, "--help"),
        gatehouse(env, "org", "settings", "set", "--help"),
        gatehouse(env, "serve", "--help"),
        gatehouse(env, "migrate", "--help"),
      ]);
      for (const r of [top, nested, serveHelp, migrateHelp]) assert.equal(r.code, 0, r.stderr);
      assert.match(serveHelp.stdout, /^Usage: gatehouse serve/);
      assert.match(migrateHelp.stdout, /^Usage: gatehouse migrate/);
      assert.deepEqual(readdirSync(dataDir), [], "help neither started a server nor created a database");
      for (const command of ["serve", "migrate", "org", "admin", "keys", "audit"]) assert.match(top.stdout, new RegExp(`^  ${command} `, "m"));
      assert.match(nested.stdout, /gatehouse org settings set --org SLUG key=value/);

      // Usage needs no configuration; anything else with a bad one is its config error and exit 2.
      const broken = { ...env, PORT: "abc", NODE_ENV: "production", GATEHOUSE_SECRET_KEY: "" };
      const helps = await Promise.all(["org", "admin", "keys", "audit"].map((c) => gatehouse(broken, c, "--help")));
      for (const r of helps) assert.equal(r.code, 0, r.stderr);
      assert.match(helps[2]!.stdout, /gatehouse keys master/);
      const refused = await gatehouse(broken, "org", "list");
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^config error: PORT: /m);

      const [badValue, noPassword, unknown] = await Promise.all([
        gatehouse(env, "org", "settings", "set", "--org", "acme", "passwordMinLength=3"),
        // execFile's standard input is a pipe, not a terminal: nobody to ask.
        gatehouse(env, "org", "create", "--name", "No Password", "--admin-email", "a@b.test"),
        gatehouse(env, "frobnicate"),
      ]);
      for (const r of [badValue, noPassword, unknown]) assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(badValue.stderr, /passwordMinLength must be between 8 and 128/);
      assert.match(noPassword.stderr, /--admin-password is required/);
      assert.match(unknown.stderr, /unknown command: frobnicate/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("bad flags and values exit 2 with the reason and a pointer to --help", async (t) => {
    const error = t.mock.method(console, "error", () => {});
    const cases: [(argv: string[], c: ReturnType<typeof helpConfig>) => Promise<number>, string[], RegExp][] = [
      [orgCommand, ["settings", "set", "--org", "acme", "colour=blue"], /colour/],
      [orgCommand, ["settings", "set", "--org", "acme", "mfaRequired=yes"], /mfaRequired/],
      [orgCommand, ["settings", "set", "--org", "acme", "passwordExpirationDays"], /expected key=value/],
      [orgCommand, ["settings", "get"], /--org is required/],
      [orgCommand, ["settings", "set", "--org", "acme"], /needs at least one key=value \(mfaRequired, /],
      [orgCommand, ["create", "--name", "Acme", "--admin-email", "not-an-email", "--admin-password", STRONG_PASSWORD], /email/],
      [orgCommand, ["rename"], /unknown org command/],
      [adminCommand, ["reset-mfa", "--org", "acme"], /--email is required/],
      [adminCommand, ["unlock"], /unknown admin command/],
      [keysCommand, ["rotate", "--force"], /--force/],
      [auditCommand, ["export", "--org", "acme", "--since", "last tuesday"], /--since must be an ISO 8601 instant/],
      [auditCommand, ["export"], /--org is required/],
    ];
    for (const [command, argv, reason] of cases) {
      error.mock.resetCalls();
      assert.equal(await command(argv, helpConfig()), 2, argv.join(" "));
      const printed = error.mock.calls.map((c) => String(c.arguments[0])).join("\n");
      assert.match(printed, reason, argv.join(" "));
      assert.match(printed, /--help` for usage/, argv.join(" "));
    }
  });

  test("every subcommand prints its usage for --help and -h, without touching a database", async (t) => {
    const log = t.mock.method(console, "log", () => {});
    const config = helpConfig();
    const cases: [(argv: string[], c: typeof config) => Promise<number>, string[], RegExp][] = [
      [orgCommand, ["create"], /org create --name NAME/],
      [orgCommand, ["list"], /org list \[--json\]/],
      [orgCommand, ["settings", "get"], /org settings get --org SLUG/],
      [orgCommand, ["settings", "set"], /org settings set --org SLUG/],
      [adminCommand, ["reset-mfa"], /admin reset-mfa --org SLUG --email EMAIL/],
      [adminCommand, ["reset-password"], /one-time password reset link/],
      [keysCommand, ["rotate"], /keys rotate/],
      [keysCommand, ["list"], /keys list/],
      [keysCommand, ["master"], /keys master/],
      [keysCommand, ["reseal"], /keys reseal/],
      [auditCommand, ["export"], /audit export --org SLUG \[--since INSTANT\]/],
    ];
    for (const [command, argv, usage] of cases) {
      for (const flag of ["--help", "-h"]) {
        log.mock.resetCalls();
        assert.equal(await command([...argv, flag], config), 0, `${argv.join(" ")} ${flag}`);
        assert.match(String(log.mock.calls[0]?.arguments[0]), usage, `${argv.join(" ")} ${flag}`);
      }
    }
  });

  test("serve and migrate answer --help instead of starting or migrating, and refuse arguments", (t) => {
    const log = t.mock.method(console, "log", () => {});
    const error = t.mock.method(console, "error", () => {});
    assert.equal(checkRunModeArgs("serve", []), null, "no arguments: go on");
    assert.equal(checkRunModeArgs("migrate", []), null);
    assert.equal(checkRunModeArgs("serve", ["--help"]), 0);
    assert.equal(checkRunModeArgs("migrate", ["-h"]), 0);
    assert.deepEqual(log.mock.calls.map((c) => c.arguments[0]), [SERVE_USAGE, MIGRATE_USAGE]);
    assert.equal(checkRunModeArgs("serve", ["--port", "8080"]), 2);
    assert.match(String(error.mock.calls[0]?.arguments[0]), /takes no arguments.*--port 8080/);
  });
});
