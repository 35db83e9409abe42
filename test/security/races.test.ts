import { test } from "node:test";
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import { describeEachDatabase } from "../helpers/harness.js";
import { bearer, createMember, login, loginTokens, registerOrg, STRONG_PASSWORD, uniqueSlug } from "../helpers/api.js";
import { call } from "../helpers/admin.js";
import { codeNow, enrolTotp } from "../helpers/mfa.js";

/**
 * Races the other suites do not already run (they cover 20 concurrent refreshes,
 * 20 concurrent verify-mfa with one code, 20 concurrent settings PATCHes,
 * concurrent acceptance of one invitation and of one reset link, and two admins
 * demoting each other). Each is settled by the database, never by timing.
 */
const statuses = (results: LightMyRequestResponse[]) => results.map((r) => r.statusCode).sort();
const count = (results: LightMyRequestResponse[], status: number) => results.filter((r) => r.statusCode === status).length;
const no5xx = (results: LightMyRequestResponse[]) =>
  assert.ok(results.every((r) => r.statusCode < 500), `no 5xx: ${statuses(results).join(",")} ${results.find((r) => r.statusCode >= 500)?.body ?? ""}`);

describeEachDatabase("races", (h) => {
  test("10 concurrent registrations of one slug: one organization, the rest 400", async () => {
    const slug = uniqueSlug("race");
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => h.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { organizationName: `Race ${i}`, organizationSlug: slug, email: `admin${i}@race.test`, password: STRONG_PASSWORD },
    })));
    no5xx(results);
    assert.equal(count(results, 201), 1, statuses(results).join(","));
    assert.equal(count(results, 400), 9);
    const orgs = await h.runtime.database.db.selectFrom("organizations").select("id").where("slug", "=", slug).execute();
    assert.equal(orgs.length, 1);
    const users = await h.runtime.database.db.selectFrom("users").select("id").where("organization_id", "=", orgs[0]!.id).execute();
    assert.equal(users.length, 1, "the losers left no user behind");
  });

  test("10 concurrent invitations of one email: one member, the rest 400", async () => {
    const org = await registerOrg(h);
    const results = await Promise.all(Array.from({ length: 10 }, () => call(h, org.accessToken, "POST", "/api/v1/users", { email: "twin@race.test" })));
    no5xx(results);
    assert.equal(count(results, 201), 1, statuses(results).join(","));
    assert.equal(count(results, 400), 9);
    const invited = await h.runtime.database.db.selectFrom("users").select("id").where("organization_id", "=", org.orgId).where("email", "=", "twin@race.test").execute();
    assert.equal(invited.length, 1);
  });

  test("20 concurrent sign-ins with one recovery code: exactly one succeeds, the code is then spent", async () => {
    const org = await registerOrg(h);
    const { recoveryCodes } = await enrolTotp(h, org.accessToken);
    const code = recoveryCodes[0]!;
    const challenges = await Promise.all(Array.from({ length: 20 }, () => login(h, org.slug, org.email, org.password)));
    const results = await Promise.all(challenges.map((c) => h.inject({
      method: "POST",
      url: "/api/v1/auth/verify-mfa",
      payload: { mfaChallengeToken: c.json().mfaChallengeToken, code },
    })));
    no5xx(results);
    assert.equal(count(results, 200), 1, statuses(results).join(","));
    const used = await h.runtime.database.db.selectFrom("recovery_codes").select("used_at")
      .where("user_id", "=", org.userId).where("used_at", "is not", null).execute();
    assert.equal(used.length, 1);
  });

  test("20 concurrent uses of one password-change token: one new password, one session", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    assert.equal((await call(h, org.accessToken, "POST", `/api/v1/users/${member.id}/expire-password`)).statusCode, 204);
    const { passwordChangeToken } = (await login(h, org.slug, member.email, member.password)).json();
    const passwords = Array.from({ length: 20 }, (_, i) => `Fresh-Harbour-Lamp-${100 + i}`);
    const results = await Promise.all(passwords.map((newPassword) => h.inject({
      method: "POST",
      url: "/api/v1/auth/change-expired-password",
      payload: { passwordChangeToken, newPassword },
    })));
    no5xx(results);
    assert.equal(count(results, 200), 1, statuses(results).join(","));
    const winner = passwords[results.findIndex((r) => r.statusCode === 200)]!;
    assert.equal((await login(h, org.slug, member.email, winner)).json().accessToken !== null, true, "the winning password is the one stored");
    const loser = passwords.find((p) => p !== winner)!;
    assert.equal((await login(h, org.slug, member.email, loser)).statusCode, 401);
  });

  test("concurrent MFA confirmations with one code: MFA is enabled once, with one set of recovery codes", async () => {
    const org = await registerOrg(h);
    const setup = await call(h, org.accessToken, "POST", "/api/v1/mfa/setup");
    const { secret } = setup.json();
    const code = codeNow(h, secret);
    const results = await Promise.all(Array.from({ length: 10 }, () => call(h, org.accessToken, "POST", "/api/v1/mfa/setup/confirm", { code, secret })));
    no5xx(results);
    assert.equal(count(results, 200), 1, statuses(results).join(","));
    const codes = await h.runtime.database.db.selectFrom("recovery_codes").select("id").where("user_id", "=", org.userId).execute();
    assert.equal(codes.length, 8, "one set of recovery codes, not one per racer");
  });

  test("three admins deactivating each other at once: at least one active admin remains", async () => {
    const org = await registerOrg(h);
    const b = await createMember(h, org.orgId, { isOrgAdmin: true });
    const c = await createMember(h, org.orgId, { isOrgAdmin: true });
    const tb = await loginTokens(h, org.slug, b.email, b.password);
    const tc = await loginTokens(h, org.slug, c.email, c.password);
    const actors = [
      { token: org.accessToken, targets: [b.id, c.id] },
      { token: tb.accessToken, targets: [org.userId, c.id] },
      { token: tc.accessToken, targets: [org.userId, b.id] },
    ];
    const results = await Promise.all(actors.flatMap((a) => a.targets.map((id) => call(h, a.token, "PATCH", `/api/v1/users/${id}`, { isActive: false }))));
    no5xx(results);
    const admins = await h.runtime.database.db.selectFrom("users").select("id")
      .where("organization_id", "=", org.orgId).where("is_org_admin", "=", true).where("is_active", "=", true).execute();
    assert.ok(admins.length >= 1, "the organization keeps an admin who can sign in");
    // Each refusal is the last-admin rule (400) or an actor already deactivated (401/403). Which
    // of them a run sees depends on the order the six land in: A may deactivate B and C before
    // either acts, and then no request meets the rule at all.
    assert.ok(results.every((r) => [200, 400, 401, 403].includes(r.statusCode)), statuses(results).join(","));
    const deactivated = new Set(actors.flatMap((a) => a.targets).filter((_, i) => results[i]!.statusCode === 200));
    assert.equal(admins.length, 3 - deactivated.size, statuses(results).join(","));
  });

  test("a burst of wrong passwords locks the account although they ran in parallel", async () => {
    const org = await registerOrg(h);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => login(h, org.slug, org.email, `Wrong-pass-${i}`)));
    no5xx(results);
    assert.ok(results.every((r) => r.statusCode === 401 || r.statusCode === 429));
    const locked = await login(h, org.slug, org.email, org.password);
    assert.equal(locked.statusCode, 429, "the counter saw every failure: the account is locked");
    h.clock.advance(16 * 60_000);
  });

  test("logout racing refresh: afterwards no token of the session works", async () => {
    const org = await registerOrg(h);
    const session = await loginTokens(h, org.slug, org.email, org.password);
    const results = await Promise.all([
      h.inject({ method: "POST", url: "/api/v1/auth/logout", headers: bearer(session.accessToken), payload: { refreshToken: session.refreshToken } }),
      ...Array.from({ length: 5 }, () => h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: session.refreshToken } })),
    ]);
    no5xx(results);
    const issued = results.slice(1).filter((r) => r.statusCode === 200).map((r) => r.json() as { accessToken: string; refreshToken: string });
    assert.ok(issued.length <= 1);
    assert.equal((await call(h, session.accessToken, "GET", "/api/v1/auth/me")).statusCode, 401);
    for (const t of issued) {
      // A refresh that won the race before the logout still belongs to the ended family.
      assert.equal((await call(h, t.accessToken, "GET", "/api/v1/auth/me")).statusCode, 401);
      assert.equal((await h.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: t.refreshToken } })).statusCode, 401);
    }
  });
});
