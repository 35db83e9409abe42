import { test } from "node:test";
import assert from "node:assert/strict";
import { describeEachDatabase, type Harness } from "./helpers/harness.js";
import { auditRows, call, mailsDuring as allMailsDuring, outbox, type Mail } from "./helpers/admin.js";
import { createMember, login, loginTokens, registerOrg, STRONG_PASSWORD } from "./helpers/api.js";
import { codeNow, enrolTotp, nextStep } from "./helpers/mfa.js";
import { securityNotice, type SecurityChange } from "../src/mail/security-notice.js";
import { totpCode } from "../src/crypto/totp.js";
import { describeEntry } from "../web/src/audit-sentences.js";
import type { AuditEntry } from "../sdk/index.js";

const NEW_PASSWORD = "Fresh-Quilt-Zebra-42";

/** The mails to `to` that `action` caused. */
async function mailsDuring(h: Harness, to: string, action: () => Promise<unknown>): Promise<Mail[]> {
  return (await allMailsDuring(h, action)).mails.filter((m) => m.to === to);
}

/** Exactly one notice, of `subject`, stamped with the suite's clock and the client's address, with no link in it. */
function assertOneNotice(h: Harness, mails: Mail[], subject: RegExp): Mail {
  assert.equal(mails.length, 1, `one mail, got: ${mails.map((m) => m.subject).join(" | ")}`);
  const [mail] = mails;
  assert.match(mail!.subject, subject);
  assert.match(mail!.text, new RegExp(`When: ${h.clock.now().toISOString().slice(0, 10)} \\d\\d:\\d\\d UTC`));
  assert.match(mail!.text, /From: 127\.0\.0\.1/);
  assert.doesNotMatch(mail!.text, /https?:\/\//, "a notice carries no link");
  return mail!;
}

/** A code no step of the verifier's window accepts now. */
function wrongCode(h: Harness, secret: string): string {
  const accepted = new Set([-30_000, 0, 30_000].map((d) => totpCode(secret, new Date(h.clock.now().getTime() + d))));
  return ["000000", "111111", "222222", "333333"].find((c) => !accepted.has(c))!;
}

const post = (h: Harness, url: string, token: string | null, payload?: unknown) => call(h, token, "POST", url, payload);

describeEachDatabase("security notices by mail", (h) => {
  test("a password change mails its holder once, without the password; a refused change mails nothing", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);

    const refused = await mailsDuring(h, member.email, async () => {
      const wrong = await post(h, "/api/v1/auth/change-password", session.accessToken, { currentPassword: "Not-The-Password-1", newPassword: NEW_PASSWORD });
      assert.equal(wrong.statusCode, 401);
      const weak = await post(h, "/api/v1/auth/change-password", session.accessToken, { currentPassword: member.password, newPassword: "short" });
      assert.equal(weak.statusCode, 400);
    });
    assert.deepEqual(refused, [], "no notice for a change that did not happen");

    const mails = await mailsDuring(h, member.email, async () => {
      const ok = await post(h, "/api/v1/auth/change-password", session.accessToken, { currentPassword: member.password, newPassword: NEW_PASSWORD });
      assert.equal(ok.statusCode, 200, ok.body);
    });
    const mail = assertOneNotice(h, mails, new RegExp(`^Your Org ${org.slug} password was changed$`));
    assert.ok(!mail.text.includes(NEW_PASSWORD) && !mail.text.includes(member.password), "no password in the notice");
    assert.equal(outbox(h).filter((m) => m.to === org.email && /password was changed/.test(m.subject)).length, 0, "nobody else is told");
  });

  test("a reset through the mailed link, and an expired password changed at sign-in, each mail a notice", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);

    const linkMails = await mailsDuring(h, member.email, () => post(h, "/api/v1/auth/forgot-password", null, { organizationSlug: org.slug, email: member.email }));
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(linkMails[0]!.text)![1]!;
    const resetMails = await mailsDuring(h, member.email, async () => {
      const res = await post(h, "/api/v1/auth/reset-password", null, { token, password: NEW_PASSWORD });
      assert.equal(res.statusCode, 200, res.body);
    });
    assertOneNotice(h, resetMails, /password was reset$/);

    const expire = await post(h, `/api/v1/users/${member.id}/expire-password`, org.accessToken);
    assert.equal(expire.statusCode, 204, expire.body);
    const signIn = (await login(h, org.slug, member.email, NEW_PASSWORD)).json();
    assert.equal(typeof signIn.passwordChangeToken, "string", JSON.stringify(signIn));
    const changeMails = await mailsDuring(h, member.email, async () => {
      const res = await post(h, "/api/v1/auth/change-expired-password", null, { passwordChangeToken: signIn.passwordChangeToken, newPassword: STRONG_PASSWORD + "x" });
      assert.equal(res.statusCode, 200, res.body);
    });
    assertOneNotice(h, changeMails, /password was changed$/);
  });

  test("MFA turned on, new recovery codes, MFA turned off: a notice each, holding neither the secret nor a code; a wrong code mails nothing", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);

    let enrolled: Awaited<ReturnType<typeof enrolTotp>> | undefined;
    const onMails = await mailsDuring(h, member.email, async () => (enrolled = await enrolTotp(h, session.accessToken)));
    const on = assertOneNotice(h, onMails, /^Two-step verification is on for your Org /);
    assert.ok(!on.text.includes(enrolled!.secret), "no TOTP secret in the notice");
    for (const code of enrolled!.recoveryCodes) assert.ok(!on.text.includes(code), "no recovery code in the notice");

    let codes: string[] = [];
    const regenMails = await mailsDuring(h, member.email, async () => {
      const res = await post(h, "/api/v1/mfa/recovery-codes/regenerate", session.accessToken);
      assert.equal(res.statusCode, 200, res.body);
      codes = res.json().recoveryCodes;
    });
    const regen = assertOneNotice(h, regenMails, /^New recovery codes for your Org /);
    assert.ok(codes.length > 0 && codes.every((c) => !regen.text.includes(c)), "no recovery code in the notice");

    const refused = await mailsDuring(h, member.email, async () => {
      const res = await post(h, "/api/v1/mfa/disable", session.accessToken, { code: wrongCode(h, enrolled!.secret) });
      assert.equal(res.statusCode, 400, res.body);
    });
    assert.deepEqual(refused, []);
    const refusal = (await auditRows(h, org.orgId, "MFA_DISABLE")).at(-1)!;
    assert.deepEqual([refusal.result, refusal.error_message], ["FAILURE", "Invalid MFA code"], "a refused disable is audited");

    nextStep(h);
    const offMails = await mailsDuring(h, member.email, async () => {
      const res = await post(h, "/api/v1/mfa/disable", session.accessToken, { code: codeNow(h, enrolled!.secret) });
      assert.equal(res.statusCode, 200, res.body);
    });
    assertOneNotice(h, offMails, /^Two-step verification was turned off for your Org /);
  });

  test("an admin's MFA reset mails the member, not the admin; Flashback's disable mails like EntryGuard's", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);
    await enrolTotp(h, session.accessToken);

    const all = await mailsDuring(h, member.email, async () => {
      const res = await post(h, `/api/v1/users/${member.id}/reset-mfa`, org.accessToken);
      assert.equal(res.statusCode, 200, res.body);
    });
    assertOneNotice(h, all, /^An administrator removed your Org .* authenticator$/);
    assert.equal(outbox(h).filter((m) => m.to === org.email && /authenticator/.test(m.subject)).length, 0);

    // Flashback's POST /mfa/disable with a current code, on a fresh enrolment and session.
    const again = await loginTokens(h, org.slug, member.email, member.password);
    const { secret } = await enrolTotp(h, again.accessToken);
    const flashback = await mailsDuring(h, member.email, async () => {
      const res = await post(h, "/mfa/disable", again.accessToken, { mfaType: "GOOGLE_AUTH", code: codeNow(h, secret) });
      assert.equal(res.statusCode, 200, res.body);
    });
    assertOneNotice(h, flashback, /^Two-step verification was turned off/);
  });

  test("a TOTP code used again is refused and audited as reused, and its holder is told once however many replay it", async () => {
    const org = await registerOrg(h);
    const member = await createMember(h, org.orgId);
    const session = await loginTokens(h, org.slug, member.email, member.password);
    const { secret } = await enrolTotp(h, session.accessToken);
    const challenge = async () => (await login(h, org.slug, member.email, member.password)).json().mfaChallengeToken as string;
    const verify = (token: string, code: string) => post(h, "/api/v1/auth/verify-mfa", null, { mfaChallengeToken: token, code });

    const code = codeNow(h, secret);
    const first = await mailsDuring(h, member.email, async () => assert.equal((await verify(await challenge(), code)).statusCode, 200));
    assert.deepEqual(first, [], "a code used once mails nothing");

    const tokens = await Promise.all(Array.from({ length: 5 }, challenge));
    const replays = await mailsDuring(h, member.email, async () => {
      const answers = await Promise.all(tokens.map((t) => verify(t, code)));
      // The answer is a wrong code's: the client learns nothing of the reuse.
      assert.deepEqual(answers.map((r) => [r.statusCode, r.json().error]), Array(5).fill([401, "INVALID_MFA_CODE"]));
    });
    const notice = assertOneNotice(h, replays, /^An authenticator code of your Org .* account was used twice$/);
    assert.ok(!notice.text.includes(code), "the code is not in the notice");
    const refusals = (await auditRows(h, org.orgId, "MFA_CHALLENGE_VERIFY")).filter((r) => r.result === "FAILURE");
    assert.deepEqual(refusals.map((r) => r.error_message), Array(5).fill("Reused MFA code"));

    const wrong = await mailsDuring(h, member.email, async () => assert.equal((await verify(await challenge(), wrongCode(h, secret))).statusCode, 401));
    assert.deepEqual(wrong, [], "a wrong code is not a replay");
    assert.equal((await auditRows(h, org.orgId, "MFA_CHALLENGE_VERIFY")).at(-1)!.error_message, "Invalid MFA code");

    // The next step's code, used at sign-in and then replayed to Flashback's disable: a new code, so a new notice.
    nextStep(h);
    const next = codeNow(h, secret);
    const signedIn = (await verify(await challenge(), next)).json();
    const disable = await mailsDuring(h, member.email, async () => {
      const res = await post(h, "/mfa/disable", signedIn.accessToken, { mfaType: "GOOGLE_AUTH", code: next });
      assert.equal(res.statusCode, 400, res.body);
    });
    assertOneNotice(h, disable, /was used twice$/);
    assert.equal((await auditRows(h, org.orgId, "MFA_DISABLE")).at(-1)!.error_message, "Reused MFA code");

    // The console's audit page tells a replay from a typo, read from the entries the API serves.
    const entries = (await call(h, org.accessToken, "GET", "/api/v1/audit-logs?size=100")).json().content as AuditEntry[];
    const sentences = entries.filter((e) => e.result === "FAILURE" && e.eventType.startsWith("MFA_")).map(describeEntry);
    assert.deepEqual(new Set(sentences), new Set([
      `Replayed MFA code for ${member.email}: the code had already been used`,
      `Wrong MFA code for ${member.email} (Invalid MFA code)`,
      `MFA turned off: failed attempt by ${member.email} with a code that had already been used`,
    ]));
  });
});

test("every change has its own subject and text, and a notice names no link and, without an address, no From line", () => {
  const changes: SecurityChange[] = [
    "PASSWORD_CHANGED",
    "PASSWORD_RESET",
    "MFA_ENABLED",
    "MFA_DISABLED",
    "MFA_RESET_BY_ADMIN",
    "MFA_RESET",
    "RECOVERY_CODES_REGENERATED",
    "MFA_CODE_REUSED",
  ];
  const at = new Date("2026-11-30T14:05:59.999Z");
  const notices = changes.map((c) => securityNotice(c, "ada@acme.test", { name: "Acme" }, at, null));
  assert.equal(new Set(notices.map((n) => n.subject)).size, changes.length);
  assert.equal(new Set(notices.map((n) => n.text)).size, changes.length);
  for (const n of notices) {
    assert.equal(n.to, "ada@acme.test");
    assert.match(n.text, /^When: 2026-11-30 14:05 UTC$/m);
    assert.doesNotMatch(n.text, /From:|https?:\/\//);
    assert.match(n.text, /ask an administrator of Acme/);
  }
  assert.match(securityNotice("MFA_ENABLED", "ada@acme.test", { name: "Acme" }, at, "203.0.113.9").text, /^From: 203\.0\.113\.9$/m);
});
