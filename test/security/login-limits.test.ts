import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase } from "../helpers/harness.js";
import { login, registerOrg } from "../helpers/api.js";
import { enrolTotp } from "../helpers/mfa.js";

describeEachDatabase("abuse limits on sign-in", (h) => {
  test("wrong passwords lock the account with 429 and Retry-After; the lock ends by itself", async () => {
    const org = await registerOrg(h);
    for (let i = 0; i < 5; i++) assert.equal((await login(h, org.slug, org.email, `Wrong-pass-${i}`)).statusCode, 401);
    const locked = await login(h, org.slug, org.email, org.password);
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.json().error, "RATE_LIMITED");
    assert.equal(locked.headers["retry-after"], "30");
    h.clock.advance(31_000);
    const ok = await login(h, org.slug, org.email, org.password);
    assert.equal(ok.statusCode, 200);
    // A success forgives earlier failures: the next typo is not punished.
    assert.equal((await login(h, org.slug, org.email, "Wrong-again-1")).statusCode, 401);
  });

  test("each failure past the threshold doubles the lock, up to 15 minutes", async () => {
    const org = await registerOrg(h);
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await login(h, org.slug, org.email, `Wrong-pass-${i}`);
      if (res.statusCode === 429) {
        seen.push(res.headers["retry-after"] as string);
        h.clock.advance(Number(res.headers["retry-after"]) * 1000);
      }
    }
    assert.deepEqual(seen.slice(0, 4), ["30", "60", "120", "240"]);
    for (const s of seen) assert.ok(Number(s) <= 900);
  });

  test("correct sign-ins are never throttled", async () => {
    const org = await registerOrg(h);
    const results = await Promise.all(Array.from({ length: 30 }, () => login(h, org.slug, org.email, org.password)));
    assert.ok(results.every((r) => r.statusCode === 200));
  });

  test("another account is not affected by one account's lock", async () => {
    const a = await registerOrg(h);
    const b = await registerOrg(h);
    for (let i = 0; i < 6; i++) await login(h, a.slug, a.email, `Wrong-${i}`);
    assert.equal((await login(h, a.slug, a.email, a.password)).statusCode, 429);
    assert.equal((await login(h, b.slug, b.email, b.password)).statusCode, 200);
  });

  test("password spraying from one IP is slowed once the IP threshold is reached", async () => {
    const orgs = await Promise.all(Array.from({ length: 4 }, () => registerOrg(h)));
    let limited = 0;
    for (let i = 0; i < 60; i++) {
      const o = orgs[i % orgs.length]!;
      const res = await login(h, o.slug, `user${i}@${o.slug}.test`, "Summer2026!");
      if (res.statusCode === 429) limited++;
    }
    assert.ok(limited > 0, "the IP counter locks after 50 failures");
    h.clock.advance(16 * 60_000);
  });

  test("credential stuffing (a different email and password each time, one IP) is slowed; other clients are not", async () => {
    const org = await registerOrg(h);
    const stuffer = "203.0.113.7";
    let limited = 0;
    let firstLimited = -1;
    for (let i = 0; i < 60; i++) {
      const res = await h.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        remoteAddress: stuffer,
        payload: { organizationSlug: org.slug, email: `leaked${i}@breach.test`, password: `Leaked-${i}-pass` },
      });
      assert.ok(res.statusCode === 401 || res.statusCode === 429, String(res.statusCode));
      if (res.statusCode === 429) {
        limited++;
        if (firstLimited < 0) firstLimited = i;
        assert.ok(Number(res.headers["retry-after"]) > 0);
      }
    }
    assert.ok(limited > 0 && firstLimited <= 51, `the IP is locked after 50 failures (first 429 at ${firstLimited})`);
    // While the stuffer is locked out, the real user on another address signs in.
    const real = await h.inject({ method: "POST", url: "/api/v1/auth/login", remoteAddress: "198.51.100.20", payload: { organizationSlug: org.slug, email: org.email, password: org.password } });
    assert.equal(real.statusCode, 200);
    // The stuffer is locked even with a correct password, and the lock ends by itself.
    const fromStuffer = () => h.inject({ method: "POST", url: "/api/v1/auth/login", remoteAddress: stuffer, payload: { organizationSlug: org.slug, email: org.email, password: org.password } });
    assert.equal((await fromStuffer()).statusCode, 429);
    h.clock.advance(16 * 60_000);
    assert.equal((await fromStuffer()).statusCode, 200);
  });

  test("wrong MFA codes across fresh challenges are limited per user", async () => {
    const org = await registerOrg(h);
    await enrolTotp(h, org.accessToken);
    let limited = false;
    for (let round = 0; round < 3 && !limited; round++) {
      const c = (await login(h, org.slug, org.email, org.password)).json();
      for (let i = 0; i < 5; i++) {
        const res = await h.inject({ method: "POST", url: "/api/v1/auth/verify-mfa", payload: { mfaChallengeToken: c.mfaChallengeToken, code: `10000${i}` } });
        if (res.statusCode === 429) {
          limited = true;
          assert.ok(Number(res.headers["retry-after"]) > 0);
          break;
        }
      }
    }
    assert.ok(limited, "ten wrong codes lock MFA verification for the user");
  });

  test("change-password counts a wrong current password like a wrong sign-in: a stolen access token cannot guess faster", async () => {
    const org = await registerOrg(h);
    const change = (currentPassword: string) => h.inject({
      method: "POST", url: "/api/v1/auth/change-password", headers: { authorization: `Bearer ${org.accessToken}` },
      payload: { currentPassword, newPassword: "Fresh-Quilt-Zebra-42" },
    });
    for (let i = 0; i < 5; i++) assert.equal((await change(`Wrong-pass-${i}`)).statusCode, 401);
    const locked = await change(org.password);
    assert.equal(locked.statusCode, 429, "even the right current password waits out the lock");
    assert.equal(locked.json().error, "RATE_LIMITED");
    assert.equal((await login(h, org.slug, org.email, org.password)).statusCode, 429, "one counter with sign-in");
    h.clock.advance(Number(locked.headers["retry-after"]) * 1000 + 1000);
    assert.equal((await change(org.password)).statusCode, 200);
  });
}, { env: { LIMIT_IP_FAILURES: "50" } });

describeEachDatabase("abuse limits on sign-up", (h) => {
  test("a client IP may try to register LIMIT_REGISTRATIONS times an hour, refused attempts included; then 429 and nothing is created", async () => {
    const slug = `signup-${Date.now().toString(36)}`;
    const register = (s: string, remoteAddress = "127.0.0.1") => h.inject({
      method: "POST", url: "/api/v1/auth/register", remoteAddress,
      payload: { organizationName: `Org ${s}`, organizationSlug: s, email: `admin@${s}.test`, password: "Sup3r-Secret-Pass" },
    });
    assert.equal((await register(`${slug}-a`)).statusCode, 201);
    assert.equal((await register(`${slug}-a`)).statusCode, 400, "a taken slug is refused, and counts");
    assert.equal((await register(`${slug}-b`)).statusCode, 201);
    const limited = await register(`${slug}-c`);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error, "RATE_LIMITED");
    assert.equal(limited.headers["retry-after"], "3600");
    const orgs = () => h.runtime.database.db.selectFrom("organizations").select("slug").where("slug", "like", `${slug}-%`).execute();
    assert.deepEqual((await orgs()).map((o) => o.slug).sort(), [`${slug}-a`, `${slug}-b`]);
    // Another client is not held back, and signing in is not limited by sign-ups.
    assert.equal((await register(`${slug}-d`, "192.0.2.7")).statusCode, 201);
    assert.equal((await login(h, `${slug}-a`, `admin@${slug}-a.test`, "Sup3r-Secret-Pass")).statusCode, 200);
    // The limit ends by itself.
    h.clock.advance(3600_000 + 1000);
    assert.equal((await register(`${slug}-c`)).statusCode, 201);
  });

  test("parallel sign-ups from one IP cannot exceed the limit: each is counted before it is judged", async () => {
    const slug = `race-${Date.now().toString(36)}`;
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => h.inject({
      method: "POST", url: "/api/v1/auth/register", remoteAddress: "198.51.100.9",
      payload: { organizationName: `Org ${i}`, organizationSlug: `${slug}-${i}`, email: `admin@${slug}-${i}.test`, password: "Sup3r-Secret-Pass" },
    })));
    const codes = answers.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 201, 201, ...Array(9).fill(429)], codes.join(","));
    const created = await h.runtime.database.db.selectFrom("organizations").select("slug").where("slug", "like", `${slug}-%`).execute();
    assert.equal(created.length, 3);
  });
}, { env: { LIMIT_REGISTRATIONS: "3" } });
