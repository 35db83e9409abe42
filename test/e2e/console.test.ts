import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { GatehouseClient } from "../../sdk/index.js";
import { totpCode } from "../../src/crypto/totp.js";
import { browserSkip, latestMailTo, launchBrowser, linkPath, screenshot, startConsoleServer, type ConsoleServer } from "./browser.js";

const ADMIN_PASSWORD = "Corr3ct-Horse-Battery";
const MEMBER_PASSWORD = "Blue-Harbour-Lamp-7!";
const MEMBER_NEW_PASSWORD = "Violet-Canyon-Drum-58?";
const EXPIRY_NEW_PASSWORD = "Amber-Glacier-Piano-26";

/**
 * The console in a real browser, as people use it: an admin registers and
 * enforces MFA, a member is invited and enrolled, signs in with a code and with
 * a recovery code, is forced through a password change, and loses their MFA to
 * an admin reset. One server and browser for the suite; each person has their
 * own browser context (cookies), like two machines.
 */
describe("web console in Chromium", { skip: browserSkip }, () => {
  let server: ConsoleServer;
  let browser: Browser;
  let adminCtx: BrowserContext;
  let memberCtx: BrowserContext;
  let admin: Page;
  let member: Page;
  const slug = `e2e-${randomBytes(3).toString("hex")}`;
  const adminEmail = `admin@${slug}.test`;
  const memberEmail = `bob@${slug}.test`;
  let secret = "";
  let adminSecret = "";
  let recoveryCodes: string[] = [];

  const url = (path: string) => `${server.baseUrl}${path}`;
  /** The code an authenticator shows on the server's clock, then the clock moves a step (no replay). */
  const nextCode = (of = secret) => {
    const code = totpCode(of, server.clock.now());
    server.clock.advance(30_000);
    return code;
  };
  const heading = (page: Page, name: string | RegExp) => page.getByRole("heading", { level: 1, name });

  /** Every CSP violation or uncaught script error on any page of the suite (asserted empty at the end). */
  const problems: string[] = [];
  function watch(ctx: BrowserContext): BrowserContext {
    ctx.on("console", (msg) => {
      if (/Content Security Policy|Refused to (execute|apply|load)/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
    });
    ctx.on("weberror", (err) => problems.push(`script error: ${err.error().message}`));
    return ctx;
  }
  const newContext = async (options: Parameters<Browser["newContext"]>[0] = {}) => watch(await browser.newContext(options));

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(url("/sign-in"));
    await heading(page, "Sign in").waitFor();
    assert.equal(await page.getByLabel("Organization").inputValue(), slug, "the last organization slug is remembered");
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  async function signOut(page: Page) {
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await heading(page, "Sign in").waitFor();
  }

  before(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    adminCtx = await newContext({ viewport: { width: 1200, height: 900 } });
    memberCtx = await newContext({ viewport: { width: 1200, height: 900 } });
    await memberCtx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
    admin = await adminCtx.newPage();
    member = await memberCtx.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("an admin registers an organization and lands on their account, with no token in storage", async () => {
    // zxcvbn's dictionaries are a chunk of their own, fetched only where a new password is chosen.
    const isStrengthChunk = (r: Request) => /\/assets\/strength-[\w-]+\.js$/.test(new URL(r.url()).pathname);
    const chunkRequests: string[] = [];
    const onRequest = (r: Request) => isStrengthChunk(r) && chunkRequests.push(r.url());
    admin.on("request", onRequest);
    await admin.goto(url("/"));
    await heading(admin, "Sign in").waitFor();
    await screenshot(admin, "console-sign-in");
    assert.deepEqual(chunkRequests, [], "the sign-in page does not load the strength estimator");
    admin.off("request", onRequest);
    const chunk = admin.waitForRequest(isStrengthChunk);
    await admin.getByRole("link", { name: "Register an organization" }).click();
    await heading(admin, "Register an organization").waitFor();
    await chunk;
    await admin.getByLabel("Organization name").fill("Acme E2E");
    await admin.getByLabel("Organization slug (optional)").fill(slug);
    await admin.getByLabel("Your name (optional)").fill("Ada Admin");
    await admin.getByLabel("Your email").fill(adminEmail);
    await admin.getByLabel("Password").fill(ADMIN_PASSWORD);
    // The registration's password is a new one too: it gets the strength meter.
    await admin.getByRole("meter", { name: "Strength: very strong" }).waitFor();
    await screenshot(admin, "console-register");
    await admin.getByRole("button", { name: "Create organization" }).click();
    await heading(admin, "My account").waitFor();
    await admin.getByText(adminEmail).first().waitFor();
    assert.equal(new URL(admin.url()).pathname, "/account");

    // Page-side code as strings: the test program is compiled without the DOM library.
    const storage = (await admin.evaluate("({ local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage), cookie: document.cookie })")) as {
      local: string;
      session: string;
      cookie: string;
    };
    assert.equal(storage.local, JSON.stringify({ "gatehouse.lastOrganization": slug }), "only the slug is kept");
    assert.equal(storage.session, "{}");
    assert.equal(storage.cookie, "", "the refresh cookie is HttpOnly");
    const cookies = await adminCtx.cookies();
    const refresh = cookies.find((c) => c.name === "gatehouse_refresh");
    assert.ok(refresh?.httpOnly && refresh.sameSite === "Strict" && refresh.path === "/api/v1/auth");

    // A reload keeps the session through the cookie alone.
    await admin.reload();
    await heading(admin, "My account").waitFor();
    await screenshot(admin, "console-account");
  });

  test("a bad settings value shows the API's rule next to its field, with focus on it", async () => {
    await admin.getByRole("link", { name: "Security settings" }).click();
    await heading(admin, "Security settings").waitFor();
    const nav = admin.getByRole("navigation", { name: "Main" });
    assert.equal(await nav.getByRole("link", { name: "Security settings" }).getAttribute("aria-current"), "page", "the navigation marks the page it opened");
    assert.equal(await nav.getByRole("link", { name: "My account" }).getAttribute("aria-current"), null);
    await admin.getByLabel("Minimum length").fill("5");
    await admin.getByRole("button", { name: "Save settings" }).click();
    const field = admin.locator('[data-field="passwordMinLength"]');
    await field.getByText("must be between 8 and 128").waitFor();
    assert.equal(await admin.evaluate("document.activeElement?.getAttribute('name')"), "passwordMinLength", "focus moved to the field");
    assert.equal(await admin.getByLabel("Minimum length").getAttribute("aria-invalid"), "true");
    await admin.getByLabel("Passwords expire after (days)").fill("400");
    await admin.getByLabel("Minimum length").fill("12");
    await admin.getByRole("button", { name: "Save settings" }).click();
    await admin.locator('[data-field="passwordExpirationDays"]').getByText("must be between 1 and 365").waitFor();
    await admin.getByLabel("Minimum length").fill("12.5");
    await admin.getByRole("button", { name: "Save settings" }).click();
    await admin.locator('[data-field="passwordMinLength"]').getByText("must be an integer").waitFor();
    await admin.getByLabel("Minimum length").fill("12");
    await admin.getByLabel("Passwords expire after (days)").fill("");
    await screenshot(admin, "console-settings-validation");

    // The API's own answer to a bad PATCH: the page's check is bypassed by rewriting the request on its way out,
    // so the real server's 400 and validationErrors come back and must land at the field.
    let rewrite: Record<string, unknown> = {};
    const settingsUrl = "**/api/v1/organization/settings";
    await admin.route(settingsUrl, (route) =>
      route.request().method() === "PATCH" ? route.continue({ postData: JSON.stringify(rewrite) }) : route.continue(),
    );
    try {
      rewrite = { passwordMinLength: 5 };
      const [res] = await Promise.all([
        admin.waitForResponse((r) => r.url().endsWith("/api/v1/organization/settings") && r.request().method() === "PATCH"),
        admin.getByRole("button", { name: "Save settings" }).click(),
      ]);
      assert.equal(res.status(), 400);
      const body = (await res.json()) as { error: string; validationErrors: Record<string, string> };
      assert.deepEqual(body.validationErrors, { passwordMinLength: "must be between 8 and 128" });
      const field = admin.locator('[data-field="passwordMinLength"]');
      await field.locator(".field-error").getByText("must be between 8 and 128").waitFor();
      assert.equal(await admin.getByLabel("Minimum length").getAttribute("aria-invalid"), "true");
      assert.equal(await admin.evaluate("document.activeElement?.getAttribute('name')"), "passwordMinLength", "focus moved to the field");
      await screenshot(admin, "console-settings-api-validation");

      // A field the page has no input for is not lost: it is said in the form's alert.
      rewrite = { passwordMinLength: 12, colour: "blue" };
      await admin.getByRole("button", { name: "Save settings" }).click();
      await admin.locator(".form-alert").getByText("colour is not a recognized field").waitFor();
    } finally {
      await admin.unroute(settingsUrl);
    }
    const saved = await server.runtime.app.services.organizations.getSettings(await orgId());
    assert.equal(saved.passwordMinLength, 8, "no bad value was saved");
  });

  test("switching enforcement on states its effect first, then saves", async () => {
    await admin.getByLabel("Require two-factor authentication for every member").check();
    await admin.getByRole("button", { name: "Save settings" }).click();
    const dialog = admin.getByRole("dialog", { name: "Require two-factor authentication?" });
    await dialog.waitFor();
    assert.match(await dialog.getByTestId("enforcement-effect").innerText(), /^1 member has no MFA yet; they will have to set it up at their next sign-in\. That includes you\.$/);
    await screenshot(admin, "console-settings-confirm");
    await dialog.getByRole("button", { name: "Require two-factor authentication" }).click();
    await admin.getByRole("status").filter({ hasText: "Settings saved." }).waitFor();
    const settings = await server.runtime.app.services.organizations.getSettings(await orgId());
    assert.equal(settings.mfaRequired, true);
    assert.equal(settings.passwordMinLength, 12);

    // The admin has no MFA either: their session ends at its next renewal, here the page's reload,
    // and the sign-in page says why; signing in leads through enrolment.
    await admin.reload();
    await heading(admin, "Sign in").waitFor();
    await admin.getByText("Your organization now requires two-factor authentication. Sign in again to set it up.").waitFor();
    await signIn(admin, adminEmail, ADMIN_PASSWORD);
    await heading(admin, "Set up two-factor authentication").waitFor();
    adminSecret = (await admin.getByTestId("totp-secret").innerText()).trim();
    await admin.getByLabel("6-digit code from the app").fill(nextCode(adminSecret));
    await admin.getByRole("button", { name: "Turn on two-factor authentication" }).click();
    await heading(admin, "Save your recovery codes").waitFor();
    await admin.getByLabel("I saved my recovery codes").check();
    await admin.getByRole("button", { name: "Continue" }).click();
    await heading(admin, "My account").waitFor();
  });

  async function orgId(): Promise<string> {
    const row = await server.runtime.database.db.selectFrom("organizations").select("id").where("slug", "=", slug).executeTakeFirstOrThrow();
    return row.id;
  }

  test("the admin invites a member from the members page", async () => {
    await admin.getByRole("link", { name: "Members" }).click();
    await heading(admin, "Members").waitFor();
    // Without docs, the page says where the invitation goes when no mail server is set up.
    assert.match(await admin.getByTestId("invite-explained").innerText(), /DATA_DIR\/outbox\//);
    const since = Date.now() - 1000;
    await admin.getByLabel("Email", { exact: true }).fill(memberEmail);
    await admin.getByLabel("Name (optional)").fill("Bob Member");
    await admin.getByRole("button", { name: "Send invitation" }).click();
    await admin.getByRole("status").filter({ hasText: `Invitation sent to ${memberEmail}.` }).waitFor();
    await admin.locator(`li[data-email="${memberEmail}"]`).waitFor();
    await screenshot(admin, "console-members");
    invitePath = linkPath(await latestMailTo(server, memberEmail, since), "set-password");
    // Inviting the same address again is refused on the email field (the API's 400 BAD_REQUEST).
    await admin.getByLabel("Email", { exact: true }).fill(memberEmail.toUpperCase());
    await admin.getByRole("button", { name: "Send invitation", exact: true }).click();
    await admin.locator('[data-field="email"] .field-error').getByText(`A user with email ${memberEmail.toUpperCase()} already exists in this organization`).waitFor();

    // Someone invited by mistake is deleted for good, after a confirmation that says so.
    const mistake = `mistake@${slug}.test`;
    await admin.getByLabel("Email", { exact: true }).fill(mistake);
    await admin.getByRole("button", { name: "Send invitation", exact: true }).click();
    await admin.locator(`li[data-email="${mistake}"]`).waitFor();
    await admin.getByRole("button", { name: `Delete for ${mistake}` }).click();
    await admin.getByRole("dialog").getByText("cannot be brought back").waitFor();
    await admin.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await admin.getByRole("status").filter({ hasText: `${mistake} is deleted.` }).waitFor();
    await admin.locator(`li[data-email="${mistake}"]`).waitFor({ state: "detached" });
    assert.equal(await admin.getByRole("button", { name: `Delete for ${adminEmail}` }).count(), 0, "no deleting oneself");

    // A dead link says so in words; opened where someone is signed in, the page says whose session it would replace.
    await admin.goto(url("/set-password?token=not-a-real-token"));
    await heading(admin, "Accept your invitation").waitFor();
    await admin.getByTestId("signed-in-notice").getByText(`signed in as ${adminEmail}`).waitFor();
    await admin.getByLabel("New password").fill(MEMBER_PASSWORD);
    await admin.getByLabel("Repeat the password").fill(MEMBER_PASSWORD);
    await admin.getByRole("button", { name: "Set password and continue" }).click();
    await admin.locator(".form-alert").getByText("This invitation link is invalid, used or expired.").waitFor();
    await admin.goto(url("/organization/members"));
    await heading(admin, "Members").waitFor();
  });
  let invitePath = "";

  test("the member accepts, is forced through enrolment, and saves the recovery codes", async () => {
    await member.goto(url(invitePath));
    await heading(member, "Accept your invitation").waitFor();
    assert.equal(new URL(member.url()).search, "", "the token leaves the address bar");
    // The link names the organization, so its rules show as a live checklist.
    await member.locator('[data-rule="MIN_LENGTH"]').waitFor();
    await screenshot(member, "console-accept-invitation");
    await member.getByLabel("New password").fill(MEMBER_PASSWORD);
    await member.getByLabel("Repeat the password").fill(MEMBER_PASSWORD);
    await member.getByRole("button", { name: "Set password and continue" }).click();
    await heading(member, "Set up two-factor authentication").waitFor();

    // Left half-way (a reload drops the in-memory setup token): the spent link's page points to
    // sign-in, which knows the organization (signIn asserts it), and signing in resumes enrolment.
    await member.reload();
    await member.getByText("If you already chose your password with it, sign in instead.").waitFor();
    await signIn(member, memberEmail, MEMBER_PASSWORD);

    await heading(member, "Set up two-factor authentication").waitFor();
    await member.getByRole("img", { name: /QR code/ }).waitFor();
    secret = (await member.getByTestId("totp-secret").innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    await screenshot(member, "console-mfa-enrol");
    await member.getByLabel("6-digit code from the app").fill("000000");
    await member.getByRole("button", { name: "Turn on two-factor authentication" }).click();
    await member.locator('[data-field="code"] .field-error').waitFor();
    await member.getByLabel("6-digit code from the app").fill(nextCode());
    await member.getByRole("button", { name: "Turn on two-factor authentication" }).click();

    await heading(member, "Save your recovery codes").waitFor();
    recoveryCodes = await member.getByRole("list", { name: "Recovery codes" }).locator("code").allInnerTexts();
    assert.equal(recoveryCodes.length, 8);
    const continueButton = member.getByRole("button", { name: "Continue" });
    assert.equal(await continueButton.isDisabled(), true, "cannot go on before confirming");
    await member.getByRole("button", { name: "Copy codes" }).click();
    await member.getByRole("status").filter({ hasText: "copied" }).waitFor();
    assert.equal(await member.evaluate("navigator.clipboard.readText()"), recoveryCodes.join("\n"), "the codes are on the clipboard");
    const [download] = await Promise.all([member.waitForEvent("download"), member.getByRole("button", { name: "Download codes" }).click()]);
    assert.equal(download.suggestedFilename(), "gatehouse-recovery-codes.txt");
    const saved = readFileSync((await download.path())!, "utf8");
    for (const code of recoveryCodes) assert.ok(saved.includes(code));
    await screenshot(member, "console-recovery-codes");
    await member.getByLabel("I saved my recovery codes").check();
    await continueButton.click();
    await heading(member, "My account").waitFor();
    await member.getByTestId("mfa-disable-explained").waitFor();
  });

  test("the member signs out and back in with an authenticator code", async () => {
    await signOut(member);
    await signIn(member, memberEmail, MEMBER_PASSWORD);
    await heading(member, "Two-factor authentication").waitFor();
    await screenshot(member, "console-mfa-challenge");
    await member.getByLabel("Authentication code").fill("123456");
    await member.getByRole("button", { name: "Verify" }).click();
    await member.locator('[data-field="code"]').getByText("That code is not valid").waitFor();
    await screenshot(member, "console-mfa-challenge-error");
    await member.getByLabel("Authentication code").fill(nextCode());
    await member.getByRole("button", { name: "Verify" }).click();
    await heading(member, "My account").waitFor();
  });

  test("the member signs out and back in with a recovery code", async () => {
    await signOut(member);
    await signIn(member, memberEmail, MEMBER_PASSWORD);
    await heading(member, "Two-factor authentication").waitFor();
    await member.getByRole("button", { name: "Use a recovery code" }).click();
    await member.getByLabel("Recovery code").fill(recoveryCodes[0]!);
    await member.getByRole("button", { name: "Verify" }).click();
    await heading(member, "My account").waitFor();
    await member.getByRole("heading", { name: "My sessions" }).waitFor();
    await member.getByText("This device").waitFor();
  });

  test("a sign-in step left too long starts over at the sign-in page, saying why", async () => {
    await signOut(member);
    await signIn(member, memberEmail, MEMBER_PASSWORD);
    await heading(member, "Two-factor authentication").waitFor();
    server.clock.advance(301_000); // the challenge lives 300 s
    await member.getByLabel("Authentication code").fill(nextCode());
    await member.getByRole("button", { name: "Verify" }).click();
    await heading(member, "Sign in").waitFor();
    await member.getByText("That sign-in step has expired or was used up. Please sign in again.").waitFor();
    await signIn(member, memberEmail, MEMBER_PASSWORD);
    await heading(member, "Two-factor authentication").waitFor();
    await member.getByLabel("Authentication code").fill(nextCode());
    await member.getByRole("button", { name: "Verify" }).click();
    await heading(member, "My account").waitFor();
  });

  test("a password change forced from the members page runs the live checklist at the next sign-in", async () => {
    await admin.getByRole("button", { name: `Force password change for Bob Member (${memberEmail})` }).click();
    const dialog = admin.getByRole("dialog");
    await dialog.getByText("At their next sign-in they must choose a new password").waitFor();
    await dialog.getByRole("button", { name: "Force change" }).click();
    await admin.getByRole("status").filter({ hasText: "must change their password" }).waitFor();

    await signOut(member);
    await signIn(member, memberEmail, MEMBER_PASSWORD);
    await heading(member, "Two-factor authentication").waitFor();
    await member.getByLabel("Authentication code").fill(nextCode());
    await member.getByRole("button", { name: "Verify" }).click();
    await heading(member, "Choose a new password").waitFor();

    const rule = (key: string) => member.locator(`[data-rule="${key}"]`);
    await rule("MIN_LENGTH").getByText("At least 12 characters").waitFor();
    await member.getByLabel("New password", { exact: true }).fill("short");
    assert.equal(await rule("MIN_LENGTH").getAttribute("class"), "unmet");
    assert.equal(await rule("REQUIRE_LOWERCASE").getAttribute("class"), "met");
    assert.equal(await rule("REQUIRE_DIGIT").getAttribute("class"), "unmet");
    await screenshot(member, "console-expired-password");
    await member.getByLabel("New password", { exact: true }).fill(MEMBER_NEW_PASSWORD);
    for (const key of ["MIN_LENGTH", "REQUIRE_UPPERCASE", "REQUIRE_LOWERCASE", "REQUIRE_DIGIT"]) assert.equal(await rule(key).getAttribute("class"), "met", key);
    await member.getByLabel("Repeat the new password").fill(MEMBER_NEW_PASSWORD);
    await member.getByRole("button", { name: "Change password and continue" }).click();
    await heading(member, "My account").waitFor();
  });

  test("the admin resets the member's MFA; the member must enrol again", async () => {
    await admin.reload();
    await heading(admin, "Members").waitFor();
    const row = admin.locator(`li[data-email="${memberEmail}"]`);
    await row.getByText("MFA on").waitFor();
    await admin.getByRole("button", { name: `Reset MFA for Bob Member (${memberEmail})` }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Reset MFA" }).click();
    await admin.getByRole("status").filter({ hasText: "MFA reset successfully" }).waitFor();
    await row.getByText("No MFA").waitFor();

    // The filter shows who has no MFA.
    await admin.getByRole("radio", { name: "No MFA" }).check();
    await row.waitFor();

    await member.reload();
    await heading(member, "Sign in").waitFor({ timeout: 10_000 }); // the reset ended their sessions
    await signIn(member, memberEmail, MEMBER_NEW_PASSWORD);
    await heading(member, "Set up two-factor authentication").waitFor();
  });

  test("the audit log reads as sentences, filters, and exports NDJSON", async () => {
    await admin.getByRole("link", { name: "Audit log" }).click();
    await heading(admin, "Audit log").waitFor();
    await admin.getByText(`${adminEmail} reset the MFA of ${memberEmail}`).waitFor();
    await screenshot(admin, "console-audit");
    await admin.getByLabel("Event", { exact: true }).selectOption("ORGANIZATION_SETTINGS_UPDATE");
    await admin.getByRole("button", { name: "Apply filters" }).click();
    await admin.getByText(/changed security settings: .*MFA required no → yes/).waitFor();
    await admin.getByLabel("Event", { exact: true }).selectOption("MFA_RESET");
    await admin.getByRole("button", { name: "Apply filters" }).click();
    await admin.getByRole("heading", { name: "1 event" }).waitFor();
    const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByRole("button", { name: "Export (NDJSON)" }).click()]);
    assert.match(download.suggestedFilename(), /^gatehouse-audit-\d{4}-\d{2}-\d{2}\.ndjson$/);
    const lines = readFileSync((await download.path())!, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { eventType: string });
    assert.deepEqual(lines.map((l) => l.eventType), ["MFA_RESET"]);

    // The session ends elsewhere while this page is open: after signing in again, the admin is back here.
    const elsewhere = new GatehouseClient({ baseUrl: server.baseUrl });
    await elsewhere.signIn({ organizationSlug: slug, email: adminEmail, password: ADMIN_PASSWORD }, { onMfaCode: () => nextCode(adminSecret) });
    for (const s of await elsewhere.listSessions()) if (!s.current) await elsewhere.revokeSession(s.id);
    await elsewhere.logout();
    await admin.getByLabel("Event", { exact: true }).selectOption("ORGANIZATION_SETTINGS_UPDATE");
    await admin.getByRole("button", { name: "Apply filters" }).click();
    await heading(admin, "Sign in").waitFor();
    await admin.getByText("Your session ended. Please sign in again.").waitFor();
    await admin.getByLabel("Email", { exact: true }).fill(adminEmail);
    await admin.getByLabel("Password").fill(ADMIN_PASSWORD);
    await admin.getByRole("button", { name: "Sign in" }).click();
    await heading(admin, "Two-factor authentication").waitFor();
    await admin.getByLabel("Authentication code").fill(nextCode(adminSecret));
    await admin.getByRole("button", { name: "Verify" }).click();
    await heading(admin, "Audit log").waitFor();
    assert.equal(new URL(admin.url()).pathname, "/organization/audit");
  });

  test("the member enrols again, then regenerates recovery codes from their account", async () => {
    secret = (await member.getByTestId("totp-secret").innerText()).trim();
    await member.getByLabel("6-digit code from the app").fill(nextCode());
    await member.getByRole("button", { name: "Turn on two-factor authentication" }).click();
    await heading(member, "Save your recovery codes").waitFor();
    await member.getByLabel("I saved my recovery codes").check();
    await member.getByRole("button", { name: "Continue" }).click();
    await heading(member, "My account").waitFor();

    await member.getByRole("button", { name: "Regenerate recovery codes" }).click();
    await member.getByRole("dialog").getByText("Your current recovery codes stop working").waitFor();
    await member.getByRole("dialog").getByRole("button", { name: "Regenerate" }).click();
    const fresh = await member.getByRole("list", { name: "Recovery codes" }).locator("code").allInnerTexts();
    assert.equal(fresh.length, 8);
    assert.ok(!fresh.includes(recoveryCodes[1]!), "new codes");
    recoveryCodes = fresh;
    await member.getByLabel("I saved my recovery codes").check();
    await member.getByRole("button", { name: "Done" }).click();
    await member.getByRole("status").filter({ hasText: "recovery codes are saved" }).waitFor();

    // Five minutes on, the enrolment no longer vouches for this session: the page asks for a current code.
    server.clock.advance(301_000);
    await member.getByRole("button", { name: "Regenerate recovery codes" }).click();
    await member.getByRole("dialog").getByRole("button", { name: "Regenerate" }).click();
    await member.locator(".form-alert").getByText("To confirm it is you, enter a current code from your authenticator app, then regenerate.").waitFor();
    await member.getByLabel("Current code from your app").first().fill("12");
    await member.getByRole("button", { name: "Regenerate recovery codes" }).click();
    await member.locator('[data-field="code"] .field-error').getByText("Enter the 6-digit code from your app.").waitFor();
    await member.getByLabel("Current code from your app").first().fill(nextCode());
    await member.getByRole("button", { name: "Regenerate recovery codes" }).click();
    await member.getByRole("dialog").getByRole("button", { name: "Regenerate" }).click();
    const again = await member.getByRole("list", { name: "Recovery codes" }).locator("code").allInnerTexts();
    assert.equal(again.length, 8);
    assert.ok(!again.includes(recoveryCodes[0]!), "new codes again");
    recoveryCodes = again;
    await member.getByLabel("I saved my recovery codes").check();
    await member.getByRole("button", { name: "Done" }).click();
    await member.getByRole("status").filter({ hasText: "recovery codes are saved" }).waitFor();
    // While the organization requires MFA, turning it off is explained instead of offered.
    await member.getByTestId("mfa-disable-explained").waitFor();
    assert.equal(await member.getByRole("button", { name: "Turn off two-factor authentication" }).count(), 0);
  });

  test("forgot password: the mailed /reset-password link sets a new one, and MFA still applies", async () => {
    const ctx = await newContext();
    const page = await ctx.newPage();
    await page.goto(url("/forgot-password"));
    await heading(page, "Forgot your password?").waitFor();
    await screenshot(page, "console-forgot-password");
    const since = Date.now() - 1000;
    await page.getByLabel("Organization").fill(slug);
    await page.getByLabel("Email").fill(memberEmail);
    await page.getByRole("button", { name: "Send the link" }).click();
    await page.getByRole("status").filter({ hasText: "a link to choose a new password is on its way" }).waitFor();
    const resetPath = linkPath(await latestMailTo(server, memberEmail, since), "reset-password");

    await page.goto(url(resetPath));
    await heading(page, "Reset your password").waitFor();
    const rule = (key: string) => page.locator(`[data-rule="${key}"]`);
    await rule("MIN_LENGTH").getByText("At least 12 characters").waitFor();
    await page.getByLabel("New password").fill("password");
    assert.equal(await rule("MIN_LENGTH").getAttribute("class"), "unmet");
    await page.getByLabel("Repeat the password").fill("password");
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.locator('[data-field="password"] .field-error').getByText("does not meet every rule").waitFor();
    // A rule only the server knows (the password contains the organization's slug) comes back from the API.
    const withSlug = `${slug.toUpperCase()}-Harbour-lamp`;
    await page.getByLabel("New password").fill(withSlug);
    await page.getByLabel("Repeat the password").fill(withSlug);
    await page.getByRole("button", { name: "Set new password" }).click();
    await page.locator('[data-field="password"] .rule-errors').getByText(/organization's slug/).waitFor();
    await screenshot(page, "console-reset-password-policy");
    await page.getByLabel("New password").fill(MEMBER_PASSWORD);
    await page.getByLabel("Repeat the password").fill(MEMBER_PASSWORD);
    await page.getByRole("button", { name: "Set new password" }).click();
    await heading(page, "Two-factor authentication").waitFor();
    await page.getByLabel("Authentication code").fill(nextCode());
    await page.getByRole("button", { name: "Verify" }).click();
    await heading(page, "My account").waitFor();
    await ctx.close();
  });

  test("the admin changes their password: a wrong current one is flagged at its field; the session list follows", async () => {
    // Signed in on a second device too, which the change will sign out.
    const elsewhere = new GatehouseClient({ baseUrl: server.baseUrl });
    await elsewhere.signIn({ organizationSlug: slug, email: adminEmail, password: ADMIN_PASSWORD }, { onMfaCode: () => nextCode(adminSecret) });
    await admin.getByRole("link", { name: "My account" }).click();
    await heading(admin, "My account").waitFor();
    const sessions = admin.getByRole("region", { name: "My sessions" }).locator("li");
    await admin.getByRole("region", { name: "My sessions" }).getByText("This device").waitFor();
    assert.equal(await sessions.count(), 2);
    await admin.getByLabel("Current password").fill("not-my-password");
    // Every password field can show what was typed, and hides it again.
    const current = admin.getByLabel("Current password");
    const show = admin.locator('[data-field="currentPassword"]').getByRole("button", { name: "Show" });
    assert.equal(await current.getAttribute("type"), "password");
    assert.equal(await show.getAttribute("aria-pressed"), "false");
    await show.click();
    assert.equal(await current.getAttribute("type"), "text");
    assert.equal(await current.inputValue(), "not-my-password");
    assert.equal(await show.getAttribute("aria-pressed"), "true");
    await show.click();
    assert.equal(await current.getAttribute("type"), "password");

    // The strength meter (ASVS 2.1.8): absent while the field is empty, described to screen readers, advisory only.
    const newPassword = admin.getByLabel("New password", { exact: true });
    const newField = admin.locator('[data-field="newPassword"]');
    const strength = newField.locator(".strength");
    assert.equal(await strength.count(), 0, "no meter while the new password is empty");
    await newPassword.fill("Password123!");
    await admin.getByRole("meter", { name: /^Strength: (very )?weak$/ }).waitFor();
    for (const rule of await newField.locator("[data-rule]").all()) {
      assert.equal(await rule.getAttribute("class"), "met", `weak yet within the rules: ${await rule.getAttribute("data-rule")}`);
    }
    assert.match(await strength.locator(".strength-warning").innerText(), /commonly used password/);
    const describedBy = (await newPassword.getAttribute("aria-describedby"))?.split(" ") ?? [];
    for (const part of [".strength-label", ".strength-warning", ".checklist"]) {
      assert.ok(describedBy.includes((await newField.locator(part).getAttribute("id"))!), `the field is described by ${part}`);
    }
    await screenshot(admin, "console-password-strength-weak");
    await newPassword.fill("Quartz-Meadow-Lantern-31");
    await admin.getByRole("meter", { name: /^Strength: (very )?strong$/ }).waitFor();
    assert.equal(await strength.locator(".strength-warning").count(), 0);
    await newPassword.fill("");
    await strength.waitFor({ state: "detached" });
    assert.equal(await newPassword.getAttribute("aria-describedby"), await newField.locator(".checklist").getAttribute("id"));

    await newPassword.fill("Quartz-Meadow-Lantern-31");
    await admin.getByLabel("Repeat the new password").fill("Quartz-Meadow-Lantern-31");
    await admin.getByRole("button", { name: "Change password" }).click();
    await admin.locator('[data-field="currentPassword"]').getByText("The current password is not correct.").waitFor();
    await admin.getByLabel("Current password").fill(ADMIN_PASSWORD);
    await admin.getByRole("button", { name: "Change password" }).click();
    await admin.getByRole("status").filter({ hasText: "Password changed." }).waitFor();
    await sessions.nth(1).waitFor({ state: "detached" });
    assert.equal(await sessions.count(), 1, "the other device's session is gone from the list without a reload");
  });

  test("pages at phone width and in dark mode", async () => {
    const cookies = await adminCtx.cookies();
    const pages = [
      ["/organization/members", "Members", "members"],
      ["/organization/settings", "Security settings", "settings"],
      ["/organization/audit", "Audit log", "audit"],
      ["/account", "My account", "account"],
    ] as const;
    for (const [name, options] of [
      ["phone", { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true }],
      ["dark", { viewport: { width: 1200, height: 900 }, colorScheme: "dark" as const }],
    ] as const) {
      const ctx = await newContext(options);
      // The same session: this copy of the cookie is rotated by the new context's first refresh.
      await ctx.addCookies(cookies);
      const page = await ctx.newPage();
      for (const [path, title, shot] of pages) {
        await page.goto(url(path));
        await heading(page, title).waitFor();
        await page.locator('[aria-busy="true"]').first().waitFor({ state: "detached" });
        if (path === "/account") {
          // With the strength meter and the checklist open (typed, never sent).
          await page.getByLabel("New password", { exact: true }).fill("Password123!");
          await page.getByRole("meter").waitFor();
        }
        const overflow = (await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number;
        assert.ok(overflow <= 0, `${name} ${path}: no horizontal scrolling (${overflow}px)`);
        await screenshot(page, `console-${shot}-${name}`);
      }
      if (name === "dark") {
        const background = (await page.evaluate("getComputedStyle(document.body).backgroundColor")) as string;
        const [r, g, b] = background.match(/\d+/g)!.map(Number);
        assert.ok(r! + g! + b! < 150, `dark mode has a dark background (${background})`);
      }
      const cookiesAfter = await ctx.cookies();
      cookies.splice(0, cookies.length, ...cookiesAfter);
      await ctx.close();
    }
    // Hand the rotated cookie back, so the admin's own tab can still refresh its session.
    await adminCtx.addCookies(cookies);

    // Signed out, at phone width: the sign-in page.
    const ctx = await newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await page.goto(url("/sign-in"));
    await heading(page, "Sign in").waitFor();
    assert.ok(((await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")) as number) <= 0);
    await screenshot(page, "console-sign-in-phone");
    await ctx.close();

    await page429();
  });

  test("my account: end another session; with enforcement off, turn MFA off and on again", async () => {
    // The reset by mail ended this browser's session; the reset browser's one is still open.
    await signIn(member, memberEmail, MEMBER_PASSWORD);
    await heading(member, "Two-factor authentication").waitFor();
    await member.getByLabel("Authentication code").fill(nextCode());
    await member.getByRole("button", { name: "Verify" }).click();
    await heading(member, "My account").waitFor();
    const sessions = member.locator("#sessions-title").locator("xpath=..").locator("li");
    await sessions.first().waitFor();
    const before = await sessions.count();
    assert.ok(before >= 2, `the reset-password browser's session is listed too (${before})`);
    await member.getByRole("button", { name: /^End session: / }).first().click();
    await member.getByRole("status").filter({ hasText: "Session ended." }).waitFor();
    assert.equal(await sessions.count(), before - 1);

    // Two more devices, then every other session at once.
    for (let i = 0; i < 2; i++) {
      await new GatehouseClient({ baseUrl: server.baseUrl }).signIn({ organizationSlug: slug, email: memberEmail, password: MEMBER_PASSWORD }, { onMfaCode: () => nextCode() });
    }
    await member.reload();
    await member.getByRole("region", { name: "My sessions" }).getByText("This device").waitFor();
    assert.ok((await sessions.count()) >= 3);
    await member.getByRole("button", { name: "Sign out all other sessions" }).click();
    await member.getByRole("status").filter({ hasText: /^Signed out of \d+ other sessions\.$/ }).waitFor();
    await sessions.nth(1).waitFor({ state: "detached" });
    assert.equal(await sessions.count(), 1);

    // Made an admin, then demoted while a page is open: the next refused call brings the console in line.
    await admin.goto(url("/organization/members"));
    await admin.getByRole("button", { name: `Make admin for Bob Member (${memberEmail})` }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Make admin" }).click();
    await admin.getByRole("status").filter({ hasText: "is now an administrator" }).waitFor();
    await member.reload();
    await member.getByRole("link", { name: "Members" }).click();
    await heading(member, "Members").waitFor();
    await admin.getByRole("button", { name: `Remove admin role for Bob Member (${memberEmail})` }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Remove role" }).click();
    await admin.getByRole("status").filter({ hasText: "is no longer an administrator" }).waitFor();
    await member.getByRole("link", { name: "Audit log" }).click();
    await heading(member, "Administrators only").waitFor();
    await member.getByRole("link", { name: "Members" }).waitFor({ state: "detached" });
    await member.getByRole("link", { name: "My account" }).click();
    await heading(member, "My account").waitFor();

    await admin.goto(url("/organization/settings"));
    await heading(admin, "Security settings").waitFor();
    await admin.getByLabel("Require two-factor authentication for every member").uncheck();
    await admin.getByRole("button", { name: "Save settings" }).click();
    await admin.getByRole("status").filter({ hasText: "Settings saved." }).waitFor();

    await member.reload();
    await heading(member, "My account").waitFor();
    await member.getByLabel("Current code from your app").fill("000000");
    assert.equal(await member.getByTestId("mfa-disable-explained").count(), 0, "no longer required: turning off is offered");
    await member.getByRole("button", { name: "Turn off two-factor authentication" }).click();
    await member.locator('[data-field="code"] .field-error').getByText("That code is not valid, or was already used. Enter the current code from your app.").waitFor();
    await member.getByLabel("Current code from your app").fill(nextCode());
    await member.getByRole("button", { name: "Turn off two-factor authentication" }).click();
    await member.getByRole("status").filter({ hasText: "Two-factor authentication is off." }).waitFor();

    await member.getByRole("button", { name: "Set up two-factor authentication" }).click();
    secret = (await member.getByTestId("totp-secret").innerText()).trim();
    await member.getByRole("button", { name: "Copy key" }).click();
    await member.getByRole("status").filter({ hasText: "Key copied" }).waitFor();
    assert.equal(await member.evaluate("navigator.clipboard.readText()"), secret, "the key is on the clipboard");
    await member.getByLabel("6-digit code from the app").fill(nextCode());
    await member.getByRole("button", { name: "Turn on two-factor authentication" }).click();
    const codes = await member.getByRole("list", { name: "Recovery codes" }).locator("code").allInnerTexts();
    assert.equal(codes.length, 8);
    await member.getByLabel("I saved my recovery codes").check();
    await member.getByRole("button", { name: "Done" }).click();
    await member.getByRole("status").filter({ hasText: "Two-factor authentication is on" }).waitFor();
  });

  test("passwords expire after the organization's number of days: the member must choose a new one at sign-in", async () => {
    await admin.goto(url("/organization/settings"));
    await heading(admin, "Security settings").waitFor();
    await admin.getByLabel("Passwords expire after (days)").fill("30");
    await admin.getByRole("button", { name: "Save settings" }).click();
    await admin.getByRole("status").filter({ hasText: "Settings saved." }).waitFor();

    server.clock.advance(31 * 24 * 3600 * 1000);
    await signIn(member, memberEmail, MEMBER_PASSWORD);
    await heading(member, "Two-factor authentication").waitFor();
    await member.getByLabel("Authentication code").fill(nextCode());
    await member.getByRole("button", { name: "Verify" }).click();
    await heading(member, "Choose a new password").waitFor();
    await member.locator('[data-rule="MIN_LENGTH"]').getByText("At least 12 characters").waitFor();
    await member.getByLabel("New password", { exact: true }).fill(EXPIRY_NEW_PASSWORD);
    await member.getByLabel("Repeat the new password").fill(EXPIRY_NEW_PASSWORD);
    await member.getByRole("button", { name: "Change password and continue" }).click();
    await heading(member, "My account").waitFor();
  });

  test("an expired access token is renewed from the cookie unseen; a session ended elsewhere returns to sign-in, saying so", async () => {
    await heading(member, "My account").waitFor();
    // The page's own loads (the password policy, the session list) must be over before the
    // recording starts, or they take the expired token's refresh in place of the form's call.
    await member.getByRole("region", { name: "Change password" }).locator(".checklist").waitFor();
    await member.getByRole("region", { name: "My sessions" }).getByText("This device").waitFor();
    const calls: string[] = [];
    const record = (req: Request) => {
      const path = new URL(req.url()).pathname;
      if (path.startsWith("/api/")) calls.push(`${req.method()} ${path}`);
    };
    member.on("request", record);
    const changePassword = async () => {
      await member.getByLabel("Current password").fill("Not-The-Password-1");
      await member.getByLabel("New password", { exact: true }).fill(MEMBER_NEW_PASSWORD);
      await member.getByLabel("Repeat the new password").fill(MEMBER_NEW_PASSWORD);
      await member.getByRole("button", { name: "Change password", exact: true }).click();
    };
    try {
      // Past the access token's lifetime (ACCESS_TOKEN_TTL, 900 s by default): the call is refused,
      // the cookie renews the token once, and the call is sent again, whose own answer the form shows.
      server.clock.advance(901_000);
      await changePassword();
      await member.locator('[data-field="currentPassword"] .field-error').getByText("The current password is not correct.").waitFor();
      assert.deepEqual(calls, ["POST /api/v1/auth/change-password", "POST /api/v1/auth/refresh", "POST /api/v1/auth/change-password"]);

      // The member ends this browser's session from elsewhere (here the SDK, signed in as them).
      const elsewhere = new GatehouseClient({ baseUrl: server.baseUrl });
      await elsewhere.signIn({ organizationSlug: slug, email: memberEmail, password: EXPIRY_NEW_PASSWORD }, { onMfaCode: () => nextCode() });
      for (const s of await elsewhere.listSessions()) if (!s.current) await elsewhere.revokeSession(s.id);
      calls.length = 0;
      await changePassword();
      await heading(member, "Sign in").waitFor();
      await member.getByText("Your session ended. Please sign in again.").waitFor();
      assert.deepEqual(calls, ["POST /api/v1/auth/change-password", "POST /api/v1/auth/refresh"], "one refresh, refused: no retry");
      assert.equal((await memberCtx.cookies()).find((c) => c.name === "gatehouse_refresh"), undefined, "the refused cookie is cleared");
      await screenshot(member, "console-session-ended");
    } finally {
      member.off("request", record);
    }
  });

  test("no page broke its Content-Security-Policy or threw a script error", () => {
    assert.deepEqual(problems, []);
  });

  /** 429 shows when to retry. */
  async function page429() {
    const ctx = await newContext();
    const page = await ctx.newPage();
    await page.goto(url("/sign-in"));
    await page.getByLabel("Organization").fill(slug);
    await page.getByLabel("Email", { exact: true }).fill(adminEmail);
    for (let i = 0; i < 6; i++) {
      await page.getByLabel("Password").fill(`wrong-${i}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.locator(".form-alert");
      await alert.filter({ hasText: /Invalid organization, email or password|Too many attempts/ }).waitFor();
      if (/Too many attempts/.test(await alert.innerText())) {
        assert.match(await alert.innerText(), /Try again in \d+ (second|minute)s? \(at /);
        await screenshot(page, "console-sign-in-rate-limited");
        await ctx.close();
        return;
      }
    }
    assert.fail("no 429 after 6 wrong passwords");
  }
});

describe("web console with SIGNUP=closed", { skip: browserSkip }, () => {
  let server: ConsoleServer;
  let browser: Browser;

  before(async () => {
    server = await startConsoleServer({ SIGNUP: "closed" });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the sign-in page offers no registration, and /register says who creates organizations", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/sign-in`);
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await page.getByRole("link", { name: "Forgot your password?" }).waitFor();
    assert.equal(await page.getByRole("link", { name: "Register an organization" }).count(), 0);

    await page.goto(`${server.baseUrl}/register`);
    await page.getByRole("heading", { level: 1, name: "Registration is closed" }).waitFor();
    assert.match(await page.getByTestId("signup-closed").innerText(), /operator/);
    assert.equal(await page.getByRole("button", { name: "Create organization" }).count(), 0, "no form that could only fail");
    await page.close();
  });
});
