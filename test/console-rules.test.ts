import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { describeEachDatabase } from "./helpers/harness.js";
import { bearer, registerOrg } from "./helpers/api.js";
import { checkPassword, type PasswordPolicy as ServerPolicy } from "../src/features/passwords/policy.js";
import { SLUG_PATTERN } from "../src/features/organizations/slug.js";
import { SLUG_RE, checkRules, validateSettings, type SettingsDraft } from "../web/src/rules.js";
import { localDayStart } from "../web/src/format.js";

/**
 * The console checks forms before it sends them (web/src/rules.ts). Those checks
 * must say what the API says: the same verdict and the same words. These tests
 * put both side by side.
 */

test("the console reads an organization slug with the API's own pattern", () => {
  assert.equal(SLUG_RE.source, SLUG_PATTERN);
  assert.equal(SLUG_RE.flags, "");
});

const DRAFT: SettingsDraft = {
  mfaRequired: false,
  passwordMinLength: "8",
  passwordRequireUppercase: true,
  passwordRequireLowercase: true,
  passwordRequireDigit: true,
  passwordRequireSpecialChar: false,
  passwordExpirationDays: "",
};

/** What the page would put in the JSON body for a number input's text (no check of its own). */
const asJson = (text: string): number | null => (text.trim() === "" ? null : Number(text.trim()));

// Texts a person (or a number input) can produce, around and outside every bound.
const MIN_LENGTHS = ["", "0", "-8", "7", "8", "8.0", "8.5", "12", "1e1", "128", "129", "1000", " 9 "];
const EXPIRATIONS = ["", "0", "-1", "1", "1.5", "30", "365", "366", "3650", " 90 "];

describeEachDatabase("console settings checks match the API", (h) => {
  test("every settings value the page accepts, the API accepts; every one it refuses, the API refuses with the same message", async () => {
    const org = await registerOrg(h);
    const patch = (body: unknown) =>
      h.inject({ method: "PATCH", url: "/api/v1/organization/settings", headers: bearer(org.accessToken), payload: body as Record<string, unknown> });
    const cases: [keyof SettingsDraft, string][] = [
      ...MIN_LENGTHS.map((v) => ["passwordMinLength", v] as [keyof SettingsDraft, string]),
      ...EXPIRATIONS.map((v) => ["passwordExpirationDays", v] as [keyof SettingsDraft, string]),
    ];
    for (const [field, text] of cases) {
      const page = validateSettings({ ...DRAFT, [field]: text });
      const res = await patch({ [field]: asJson(text) });
      const label = `${field} = ${JSON.stringify(text)}`;
      if (page.values) {
        assert.equal(res.statusCode, 200, `${label}: the page accepts it, so must the API (${res.body})`);
        assert.equal(res.json()[field], page.values[field], label);
      } else {
        assert.equal(res.statusCode, 400, `${label}: the page refuses it (${page.fields[field]}), so must the API`);
        assert.equal(res.json().error, "VALIDATION_ERROR", label);
        assert.equal(page.fields[field], res.json().validationErrors[field], `${label}: the same message`);
      }
    }
  });
});

const SERVER_POLICY = fc.record({
  minLength: fc.integer({ min: 8, max: 20 }),
  requireUppercase: fc.boolean(),
  requireLowercase: fc.boolean(),
  requireDigit: fc.boolean(),
  requireSpecialChar: fc.boolean(),
});

// Characters of every class the rules look at, including non-ASCII letters, digits, marks and astral code points.
const CHARS = fc.constantFrom(..."aZ9-_ é\u0301ÉßΣσ٣𝟘😀\t!?".match(/./gsu)!);

test("the live checklist marks a rule unmet exactly when the server reports it broken", () => {
  fc.assert(
    fc.property(SERVER_POLICY, fc.array(CHARS, { maxLength: 30 }).map((a) => a.join("")), (policy: ServerPolicy, password) => {
      const page = checkRules(password, { ...policy, maxLength: 128, expirationDays: null })
        .filter((r) => !r.met)
        .map((r) => r.key);
      const server = checkPassword(password, policy).map((v) => v.rule);
      assert.deepEqual(page, server.filter((r) => r !== "COMMON_PASSWORD" && r !== "CONTAINS_USER_INFO"));
    }),
    { numRuns: 500 },
  );
});

test("the audit page's date filter means the reader's own days, as its list shows local times", () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = "America/Los_Angeles";
    assert.equal(localDayStart("2026-11-30"), "2026-11-30T08:00:00.000Z");
    assert.equal(localDayStart("2026-11-30", 1), "2026-12-01T08:00:00.000Z", "To is inclusive: up to the next local midnight");
    assert.equal(localDayStart("2026-03-08", 1), "2026-03-09T07:00:00.000Z", "a day with a clock change");
    process.env.TZ = "Asia/Tokyo";
    assert.equal(localDayStart("2026-12-01"), "2026-11-30T15:00:00.000Z");
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
