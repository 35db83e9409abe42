import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPassword, PASSWORD_MAX_LENGTH, type PasswordPolicy } from "./policy.js";

/** EntryGuard's defaults for a new organization. */
const DEFAULTS: PasswordPolicy = { minLength: 8, requireUppercase: true, requireLowercase: true, requireDigit: true, requireSpecialChar: false };
/** The seed example: min 12 and every class. */
const SEED: PasswordPolicy = { minLength: 12, requireUppercase: true, requireLowercase: true, requireDigit: true, requireSpecialChar: true };
const NOTHING: PasswordPolicy = { minLength: 8, requireUppercase: false, requireLowercase: false, requireDigit: false, requireSpecialChar: false };

const rules = (password: string, policy: PasswordPolicy, context = {}) => checkPassword(password, policy, context).map((v) => v.rule);

test("a password that satisfies the policy breaks no rule", () => {
  assert.deepEqual(checkPassword("Corr3ct-Horse-Battery", SEED, { email: "john@acme.test", organizationSlug: "acme" }), []);
  assert.deepEqual(rules("Zebra7quilt", DEFAULTS), []);
});

test("boundary lengths: 7 is too short, 8 and 128 are fine, 129 is too long", () => {
  const of = (n: number) => "Zq7" + "w".repeat(n - 3);
  assert.deepEqual(rules(of(7), DEFAULTS), ["MIN_LENGTH"]);
  assert.deepEqual(rules(of(8), DEFAULTS), []);
  assert.deepEqual(rules(of(PASSWORD_MAX_LENGTH), DEFAULTS), []);
  assert.deepEqual(rules(of(129), DEFAULTS), ["MAX_LENGTH"]);
  assert.equal(checkPassword(of(7), DEFAULTS).find((v) => v.rule === "MIN_LENGTH")?.message, "Password must be at least 8 characters long");
});

test("length counts Unicode code points, not UTF-16 units or bytes", () => {
  // Each emoji is one code point, two UTF-16 units and four UTF-8 bytes.
  assert.deepEqual(rules("Zq7" + "😀".repeat(5), DEFAULTS), [], "8 code points");
  assert.deepEqual(rules("Zq7" + "😀".repeat(4), DEFAULTS), ["MIN_LENGTH"], "7 code points, 11 UTF-16 units");
  assert.deepEqual(rules("Zq7" + "😀".repeat(125), DEFAULTS), [], "128 code points, 253 UTF-16 units");
  assert.deepEqual(rules("Zq7" + "😀".repeat(126), DEFAULTS), ["MAX_LENGTH"]);
  // "é" typed as e + combining acute is one character (NFC), not two.
  assert.deepEqual(rules("Zq7" + "e\u0301".repeat(4), DEFAULTS), ["MIN_LENGTH"]);
});

test("the seed example (min 12 and every class) reports every rule broken, in a stable order", () => {
  assert.deepEqual(rules("", SEED), ["MIN_LENGTH", "REQUIRE_UPPERCASE", "REQUIRE_LOWERCASE", "REQUIRE_DIGIT", "REQUIRE_SPECIAL_CHAR"]);
  assert.deepEqual(rules("Short-1a", SEED), ["MIN_LENGTH"]);
  assert.deepEqual(rules("longenoughbutplain", SEED), ["REQUIRE_UPPERCASE", "REQUIRE_DIGIT", "REQUIRE_SPECIAL_CHAR"]);
  assert.deepEqual(rules("LONGENOUGH-7777", SEED), ["REQUIRE_LOWERCASE"]);
  assert.deepEqual(rules("Long-Enough-Pass", SEED), ["REQUIRE_DIGIT"]);
  assert.deepEqual(rules("LongEnoughPass99", SEED), ["REQUIRE_SPECIAL_CHAR"]);
  for (const v of checkPassword("", SEED)) assert.ok(v.message.length > 0);
});

test("switched-off classes are not required", () => {
  assert.deepEqual(rules("xylophone music", NOTHING), []);
  assert.deepEqual(rules("xylophone", { ...NOTHING, minLength: 10 }), ["MIN_LENGTH"]);
});

test("upper and lower case follow Unicode (\\p{Lu}, \\p{Ll}), not just ASCII", () => {
  assert.deepEqual(rules("Ünïcödé9", DEFAULTS), []);
  assert.deepEqual(rules("ΣΟΦΊΑσοφία7", DEFAULTS), [], "Greek");
  assert.deepEqual(rules("ПАРОЛЬпароль7", DEFAULTS), [], "Cyrillic");
  assert.deepEqual(rules("ÄÖÜÉÈ12345", DEFAULTS), ["REQUIRE_LOWERCASE"]);
  assert.deepEqual(rules("äöüéèß12345", DEFAULTS), ["REQUIRE_UPPERCASE"]);
  // Scripts without case have neither: an organization that requires a case requires a cased letter.
  assert.deepEqual(rules("密码安全性很重要7", DEFAULTS), ["REQUIRE_UPPERCASE", "REQUIRE_LOWERCASE"]);
});

test("a digit is any Unicode decimal digit (\\p{Nd}); superscripts and fractions are not", () => {
  assert.deepEqual(rules("Zebraquilt٣", DEFAULTS), [], "Arabic-Indic three");
  assert.deepEqual(rules("Zebraquilt७", DEFAULTS), [], "Devanagari seven");
  assert.deepEqual(rules("Zebraquilt²", DEFAULTS), ["REQUIRE_DIGIT"]);
  assert.deepEqual(rules("Zebraquilt½", DEFAULTS), ["REQUIRE_DIGIT"]);
});

test("a special character is anything but a letter, a number or whitespace", () => {
  const special = { ...NOTHING, requireSpecialChar: true };
  for (const ok of ["xylophone-", "xylophone_", "xylophone€", "xylophone😀", "xylophone«", "xylophone.", "xylo\u0000phone"]) {
    assert.deepEqual(rules(ok, special), [], JSON.stringify(ok));
  }
  for (const no of ["xylophone music", "xylophone\tmusic", "xylophone\u00a0x", "xylophone²", "xylophoneé", "xylophone" + "e\u0301"]) {
    assert.deepEqual(rules(no, special), ["REQUIRE_SPECIAL_CHAR"], JSON.stringify(no));
  }
});

test("one of the most common passwords is refused, whatever its case", () => {
  for (const common of ["Password1", "pAsSwOrD1", "Qwerty123", "Ｐａｓｓｗｏｒｄ１"]) {
    assert.deepEqual(rules(common, DEFAULTS), ["COMMON_PASSWORD"], common);
  }
  assert.deepEqual(rules("PASSWORD1", NOTHING), ["COMMON_PASSWORD"]);
  // The rule applies even when the settings ask for nothing.
  assert.deepEqual(rules("iloveyou", NOTHING), ["COMMON_PASSWORD"]);
  // It compares whole passwords: containing a common one is fine.
  assert.deepEqual(rules("Password1-Zebra-Quilt", DEFAULTS), []);
});

test("the email's local part and the organization slug may not be part of the password", () => {
  const ctx = { email: "John.Smith+work@Acme.test", organizationSlug: "acme-corp" };
  assert.deepEqual(rules("Hello-john.smith+work-7", DEFAULTS, ctx), ["CONTAINS_USER_INFO"]);
  assert.deepEqual(rules("JOHN.SMITH-rocks-7", DEFAULTS, ctx), ["CONTAINS_USER_INFO"], "the base before +tag, any case");
  assert.deepEqual(rules("Welcome-to-Acme_Corp7", DEFAULTS, ctx), [], "not the slug itself");
  assert.deepEqual(rules("Welcome-acme-corp7X", DEFAULTS, ctx), ["CONTAINS_USER_INFO"]);
  assert.deepEqual(rules("WelcomeAcmeCorp7", DEFAULTS, ctx), ["CONTAINS_USER_INFO"], "the slug without hyphens");
  assert.deepEqual(rules("Zebra7quilt", DEFAULTS, ctx), []);
  assert.equal(checkPassword("JOHN.SMITH-rocks-7", DEFAULTS, ctx)[0]?.message.includes("john"), false, "the message echoes nothing");
});

test("local parts and slugs shorter than 3 characters are ignored", () => {
  assert.deepEqual(rules("Jolly-Abbey-77", DEFAULTS, { email: "jo@x.test", organizationSlug: "ab" }), []);
  assert.deepEqual(rules("Jolly-Abbey-77", DEFAULTS, { email: "jol@x.test", organizationSlug: "ab" }), ["CONTAINS_USER_INFO"]);
  assert.deepEqual(rules("Zebra7quilt", DEFAULTS, { email: "", organizationSlug: null }), []);
});

test("several extra rules and policy rules are reported together", () => {
  assert.deepEqual(rules("password", SEED, { email: "password@x.test" }), [
    "MIN_LENGTH", "REQUIRE_UPPERCASE", "REQUIRE_DIGIT", "REQUIRE_SPECIAL_CHAR", "COMMON_PASSWORD", "CONTAINS_USER_INFO",
  ]);
});
