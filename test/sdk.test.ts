import { before, test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { GatehouseClient, GatehouseError, OPERATION_METHODS, operations, signIn, type GatehouseClientOptions, type OperationId, type Tokens } from "../sdk/index.js";
import { describeEachDatabase } from "./helpers/harness.js";
import { STRONG_PASSWORD, uniqueSlug } from "./helpers/api.js";
import { freshCode, mailedToken, recordingFetch } from "./helpers/sdk.js";

const MEMBER_PASSWORD = "Blue-Harbour-Lamp-7";

/** Rejects with a GatehouseError that has these fields. */
async function refused(promise: Promise<unknown>, expected: Partial<Pick<GatehouseError, "status" | "code" | "message" | "dialect">>) {
  const err = await promise.then(() => assert.fail("expected a GatehouseError"), (e: unknown) => e);
  assert.ok(err instanceof GatehouseError, String(err));
  for (const [k, v] of Object.entries(expected)) assert.equal(err[k as keyof GatehouseError], v, `${k} of ${err.message}`);
  return err;
}

describeEachDatabase("TypeScript SDK against a live server", (h) => {
  let baseUrl = "";
  const called: OperationId[] = [];
  const client = (extra: Omit<GatehouseClientOptions, "baseUrl" | "fetch"> = {}) =>
    new GatehouseClient({ baseUrl, fetch: recordingFetch(called), ...extra });
  const newAdmin = async () => {
    const slug = uniqueSlug("sdk");
    const admin = client();
    const res = await admin.register({ organizationName: `SDK ${slug}`, organizationSlug: slug, email: `admin@${slug}.test`, password: STRONG_PASSWORD });
    return { admin, slug, email: `admin@${slug}.test`, user: res.user };
  };

  before(async () => {
    await h.app.listen({ port: 0, host: "127.0.0.1" });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });

  test("an admin runs the organization: settings, members, passwords, sessions and the audit trail", async () => {
    const { admin, slug, email } = await newAdmin();
    assert.ok(admin.tokens.accessToken && admin.tokens.refreshToken, "register hands the client its tokens");
    assert.equal((await admin.me()).email, email);
    assert.equal((await admin.getPasswordPolicy(slug)).minLength, 8);
    assert.ok((await admin.getJwks()).keys.length >= 1);
    assert.equal((await admin.getOrganizationSettings()).mfaRequired, false);
    assert.equal((await admin.updateOrganizationSettings({ passwordMinLength: 10 })).passwordMinLength, 10);
    const invalid = await refused(admin.updateOrganizationSettings({ passwordMinLength: 3 }), { status: 400, code: "VALIDATION_ERROR", dialect: "entryguard" });
    assert.equal(invalid.details.validationErrors?.passwordMinLength, "must be between 8 and 128");

    // Invitation → the member's first password.
    const bobEmail = `bob@${slug}.test`;
    let bob!: Awaited<ReturnType<GatehouseClient["inviteUser"]>>;
    await mailedToken(h, bobEmail, async () => (bob = await admin.inviteUser({ email: bobEmail, name: "Bob" })));
    const invite = await mailedToken(h, bobEmail, () => admin.resendInvitation(bob.id));
    const member = client();
    const accepted = await member.setPassword({ inviteToken: invite, password: MEMBER_PASSWORD });
    assert.ok(accepted.accessToken && member.tokens.accessToken === accepted.accessToken);

    assert.equal((await admin.listUsers()).length, 2);
    const first = await admin.listUsersPage({ limit: 1 });
    assert.equal(first.users.length, 1);
    assert.ok(first.nextCursor, "the Link header's cursor");
    assert.equal((await admin.listUsersPage({ limit: 1, cursor: first.nextCursor! })).nextCursor, null);
    assert.equal((await admin.getUser(bob.id)).email, bobEmail);
    assert.equal((await admin.updateUser(bob.id, { name: "Robert" })).name, "Robert");

    // An expired password is replaced during signIn().
    await admin.expireUserPassword(bob.id);
    const asked: string[] = [];
    const session = await signIn(member, { organizationSlug: slug, email: bobEmail, password: MEMBER_PASSWORD }, {
      onNewPassword: ({ attempt, error }) => {
        asked.push(error ? String(error.code) : "first");
        return attempt === 1 ? "short" : "Second-Quiet-Harbour-9";
      },
    });
    assert.deepEqual(asked, ["first", "PASSWORD_POLICY_VIOLATION"], "a refused password is asked again with the reason");
    assert.equal(session.user.email, bobEmail);
    const weak = await refused(member.changePassword({ currentPassword: "Second-Quiet-Harbour-9", newPassword: "abc" }), { code: "PASSWORD_POLICY_VIOLATION" });
    assert.ok((weak.details.violations ?? []).some((v) => v.rule === "MIN_LENGTH"), JSON.stringify(weak.details));
    await member.changePassword({ currentPassword: "Second-Quiet-Harbour-9", newPassword: MEMBER_PASSWORD });

    // Own sessions: a second sign-in, ended from the first.
    const laptop = client();
    await laptop.login({ organizationSlug: slug, email: bobEmail, password: MEMBER_PASSWORD });
    const sessions = await member.listSessions();
    const other = sessions.find((s) => !s.current);
    assert.ok(other && sessions.some((s) => s.current));
    await member.revokeSession(other.id);
    await refused(laptop.me(), { status: 401, code: "UNAUTHORIZED" });
    assert.equal(laptop.tokens.accessToken, null, "a session whose refresh fails is forgotten");

    // Reset links: the admin's and the forgotten-password one.
    const adminLink = await mailedToken(h, bobEmail, () => admin.resetUserPassword(bob.id));
    const reset = await client().resetPassword({ token: adminLink, password: "Third-Calm-Meadow-4" });
    assert.ok(reset.accessToken);
    const forgotLink = await mailedToken(h, bobEmail, () => client().forgotPassword({ organizationSlug: slug, email: bobEmail }));
    assert.ok((await client().resetPassword({ token: forgotLink, password: "Fourth-Warm-River-5" })).accessToken);

    await admin.revokeUserSessions(bob.id);
    const page = await admin.listAuditLogs({ size: 5 });
    assert.equal(page.size, 5);
    assert.ok(page.totalElements > 5);
    const exported = [];
    for await (const entry of admin.exportAuditLogs({ eventType: "USER_CREATE" })) exported.push(entry);
    assert.deepEqual(exported.map((e) => e.resourceName), [bobEmail]);
    const file = await admin.downloadAuditLogs({ eventType: "USER_CREATE" });
    assert.ok(file instanceof Blob);
    const lines = (await file.text()).split("\n").filter(Boolean);
    assert.deepEqual(lines.map((line) => JSON.parse(line)), exported, "the download is the export's NDJSON, line for line");

    const before = admin.tokens;
    const rotated = await admin.refresh();
    assert.notEqual(rotated.refreshToken, before.refreshToken);
    assert.equal(admin.tokens.refreshToken, rotated.refreshToken);
    await admin.deleteUser(bob.id);
    await refused(admin.getUser(bob.id), { status: 404, code: "NOT_FOUND" });
    await admin.logout();
    assert.deepEqual(admin.tokens, { accessToken: null, refreshToken: null });
    await refused(admin.me(), { status: 401, code: "UNAUTHORIZED" });
  });

  test("signIn() enrols a member under enforced MFA, then passes the MFA challenge; both dialects agree", async () => {
    const { admin, slug, email } = await newAdmin();
    const setup = await admin.setupMfa();
    const confirmed = await admin.confirmMfaSetup({ code: freshCode(h, setup.secret), secret: setup.secret });
    assert.equal(confirmed.recoveryCodes.length, 8);
    assert.equal((await admin.regenerateRecoveryCodes()).recoveryCodes.length, 8);
    // A code given is checked (and wins over the recent enrolment); call options still apply beside it.
    const notTheCode = freshCode(h, setup.secret) === "000000" ? "111111" : "000000";
    await refused(admin.regenerateRecoveryCodes({ code: notTheCode }), { status: 400, code: "VALIDATION_ERROR" });
    await refused(admin.regenerateRecoveryCodes({ token: "not-a-token" }), { status: 401, code: "UNAUTHORIZED" });
    assert.equal((await admin.enforceOrganizationMfa(true)).message, "MFA enforcement enabled for organization");

    const carolEmail = `carol@${slug}.test`;
    let carolUser!: Awaited<ReturnType<GatehouseClient["inviteUser"]>>;
    const invite = await mailedToken(h, carolEmail, async () => (carolUser = await admin.inviteUser({ email: carolEmail })));
    const carol = client();
    assert.equal((await carol.setPassword({ inviteToken: invite, password: MEMBER_PASSWORD })).mfaSetupRequired, true);
    let secret = "";
    let shown: string[] = [];
    const enrolled = await signIn(carol, { organizationSlug: slug, email: carolEmail, password: MEMBER_PASSWORD }, {
      onMfaEnrolment: (info) => freshCode(h, (secret = info.secret)),
      onRecoveryCodes: (codes) => void (shown = codes),
    });
    assert.equal(shown.length, 8);
    assert.deepEqual(enrolled.recoveryCodes, shown);
    assert.equal(carol.tokens.accessToken, enrolled.accessToken);

    const again = client();
    const codes: number[] = [];
    await signIn(again, { organizationSlug: slug, email, password: STRONG_PASSWORD }, {
      onMfaCode: ({ attempt }) => (codes.push(attempt), attempt === 1 ? "000000" : freshCode(h, setup.secret)),
    });
    assert.deepEqual(codes, [1, 2], "a wrong code is asked again");
    await refused(signIn(client(), { organizationSlug: slug, email, password: STRONG_PASSWORD }), { code: "SIGN_IN_STEP_UNHANDLED" });

    // Flashback's view of the same state.
    const status = await carol.flashback.status();
    assert.deepEqual([status.data.isEnabled, status.data.isEnforced], [true, true]);
    assert.equal((await carol.flashback.methods()).data[0]!.isEnabled, true);
    assert.equal((await carol.flashback.enable()).success, true);
    assert.equal((await carol.flashback.setPrimary()).message, "Primary MFA method updated");
    await refused(carol.flashback.disable(freshCode(h, secret)), { status: 403, dialect: "flashback", code: "FORBIDDEN" });
    await refused(carol.flashback.setup({ mfaType: "SMS" }), { status: 400, message: "Invalid MFA type specified", dialect: "flashback" });
    assert.equal((await again.flashback.enforce(false)).message, "MFA enforcement disabled for organization");
    await refused(carol.disableMfa("000000"), { status: 400, code: "VALIDATION_ERROR" });
    const wrong = called.length;
    await refused(carol.changePassword({ currentPassword: "Not-The-Password-1", newPassword: "Fifth-Green-Valley-6" }), { status: 401, code: "INVALID_CREDENTIALS" });
    assert.ok(!called.slice(wrong).includes("refresh"), "a wrong password is not an expired token: no refresh");
    await carol.disableMfa(freshCode(h, secret));

    // Re-enrol through Flashback; the admin resets it in either dialect.
    const fbSetup = await carol.flashback.setup();
    assert.equal((await carol.flashback.verifySetup(freshCode(h, fbSetup.data.secret))).message, "MFA setup verified and enabled");
    assert.equal((await again.resetUserMfa(carolUser.id)).message, "MFA reset successfully");
    await refused(carol.me(), { status: 401 });
    assert.ok((await carol.login({ organizationSlug: slug, email: carolEmail, password: MEMBER_PASSWORD })).accessToken, "a reset ends her sessions");
    const second = await carol.flashback.setup();
    await carol.flashback.verifySetup(freshCode(h, second.data.secret));
    assert.equal((await again.flashback.reset(carolUser.id)).message, "MFA reset successfully");
  });

  test("an expired access token is refreshed once for many concurrent calls, then each is retried", async () => {
    const seen: Tokens[] = [];
    const { admin } = await newAdmin();
    const watched = new GatehouseClient({ baseUrl, fetch: recordingFetch(called), ...admin.tokens, onTokens: (t) => seen.push(t) });
    h.clock.advance((h.config.accessTokenTtl + 1) * 1000);
    const start = called.length;
    const answers = await Promise.all(Array.from({ length: 6 }, () => watched.me()));
    assert.equal(answers.length, 6);
    const mine = called.slice(start);
    assert.equal(mine.filter((op) => op === "refresh").length, 1, mine.join(","));
    assert.equal(mine.filter((op) => op === "me").length, 12);
    assert.equal(seen.length, 1, "onTokens hears the refresh once");
  });

  test("cookie mode (the console): the refresh token stays in an HttpOnly cookie, and refresh still works", async () => {
    const slug = uniqueSlug("sdk");
    const browser = client({ cookieRefresh: true });
    const res = await browser.register({ organizationName: "Cookie Co", organizationSlug: slug, email: `a@${slug}.test`, password: STRONG_PASSWORD });
    assert.equal(res.refreshToken, null);
    assert.equal(browser.tokens.refreshToken, null);
    h.clock.advance((h.config.accessTokenTtl + 1) * 1000);
    assert.equal((await browser.me()).organizationSlug, slug, "refreshed through the cookie");
    await browser.logout();
    await refused(browser.refresh(), { status: 400, code: "VALIDATION_ERROR" });
  });

  test("cookie mode, as the console runs it: refreshSession() shares the refresh, refreshLock runs it, onSessionLost says when it is over", async () => {
    const slug = uniqueSlug("sdk");
    let locked = 0;
    const lost: GatehouseError[] = [];
    const browser = client({
      cookieRefresh: true,
      refreshLock: async (refresh) => (locked++, refresh()),
      onSessionLost: (err) => void lost.push(err),
    });
    const { user } = await browser.register({ organizationName: "Console Co", organizationSlug: slug, email: `a@${slug}.test`, password: STRONG_PASSWORD });

    // A reload: no access token, only the cookie. Concurrent callers share one refresh.
    browser.setTokens({ accessToken: null, refreshToken: null });
    const start = called.length;
    const [a, b] = await Promise.all([browser.refreshSession(), browser.refreshSession()]);
    assert.equal(a, b, "one answer for both callers");
    assert.equal(a.refreshToken, null, "the refresh token stays in the cookie");
    assert.equal(browser.tokens.accessToken, a.accessToken);
    assert.deepEqual(called.slice(start), ["refresh"]);
    assert.equal(locked, 1);

    // An expired access token: the 401 refreshes through the lock; nothing is lost.
    h.clock.advance((h.config.accessTokenTtl + 1) * 1000);
    assert.equal((await browser.me()).id, user.id);
    assert.equal(locked, 2);
    assert.deepEqual(lost, []);

    // Every session ended (by an admin, here the user herself): the refresh is refused too.
    await browser.revokeUserSessions(user.id);
    const err = await refused(browser.listSessions(), { status: 401, code: "UNAUTHORIZED" });
    assert.deepEqual(lost, [err], "onSessionLost hears the call's own 401, once");
    assert.deepEqual(browser.tokens, { accessToken: null, refreshToken: null });
    await refused(browser.refreshSession(), { status: 400, code: "VALIDATION_ERROR" }); // the refused cookie was cleared
    assert.equal(lost.length, 1, "an explicit refreshSession() that fails is not a lost call");

    // A refused password is no lost session: no refresh, no hook.
    await refused(browser.login({ organizationSlug: slug, email: `a@${slug}.test`, password: "Not-The-Password-1" }), { status: 401, code: "INVALID_CREDENTIALS" });
    assert.equal(lost.length, 1);
  });

  test("onSessionLost also hears the refresh's own answer, which says why the server ended the session", async () => {
    const slug = uniqueSlug("sdk");
    const heard: [GatehouseError, GatehouseError | undefined][] = [];
    const app = client({ onSessionLost: (err, refreshError) => void heard.push([err, refreshError]) });
    const { user } = await app.register({ organizationName: "Expiry Co", organizationSlug: slug, email: `a@${slug}.test`, password: STRONG_PASSWORD });
    await app.expireUserPassword(user.id);
    h.clock.advance((h.config.accessTokenTtl + 1) * 1000);
    const err = await refused(app.me(), { status: 401, code: "UNAUTHORIZED" });
    assert.equal(heard.length, 1);
    assert.equal(heard[0]![0], err);
    assert.equal(heard[0]![1]?.message, "Your password has expired: sign in again to change it");
  });

  test("a rate-limited call says when to try again (Retry-After)", async () => {
    const { slug, email } = await newAdmin();
    const anonymous = client();
    let limited: GatehouseError | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const err = await anonymous.login({ organizationSlug: slug, email, password: `wrong-${i}` }).then(() => assert.fail("a wrong password"), (e: unknown) => e);
      assert.ok(err instanceof GatehouseError, String(err));
      if (err.status === 429) limited = err;
      else assert.equal(err.code, "INVALID_CREDENTIALS");
    }
    assert.ok(limited, "the account locks after repeated wrong passwords");
    assert.equal(limited.code, "RATE_LIMITED");
    assert.ok(limited.retryAfterSeconds !== null && limited.retryAfterSeconds > 0, String(limited.retryAfterSeconds));
  });

  test("every operation of the OpenAPI document was called through its SDK method", () => {
    const missing = (Object.keys(operations) as OperationId[]).filter((op) => !called.includes(op));
    assert.deepEqual(missing.map((op) => `${op} (${OPERATION_METHODS[op]})`), []);
  });
});
