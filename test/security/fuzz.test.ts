import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sql } from "kysely";
import type { InjectOptions } from "fastify";
import { describeEachDatabase, type Harness } from "../helpers/harness.js";
import { bearer, createMember, login, registerOrg, type Registered } from "../helpers/api.js";

/**
 * Property-based requests against every route of the OpenAPI document: random
 * and malformed JSON, huge strings, wrong types, unicode, nulls, deep nesting,
 * random path and query values, with and without a valid admin token. Whatever
 * comes in: never a 5xx, never a stack trace or SQL in a body, and a request
 * refused as malformed changes nothing. Bounded (RUNS per route) so it stays fast;
 * FUZZ_RUNS raises it for a longer hunt, FUZZ_SEED replays a failure.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

interface Operation {
  method: "GET" | "POST" | "PATCH" | "DELETE" | "PUT";
  path: string;
  params: { in: string; name: string }[];
  body: JsonSchema | null;
}
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
}

/** What must never reach a client; checked only when the request did not carry the same text itself. */
const LEAKS = ["    at ", "node_modules", "SELECT ", "INSERT INTO", "syntax error", "relation \"", "duplicate key", "violates", "kysely", "TypeError", "ReferenceError"];

const huge = (n: number) => fc.constant("Ω".repeat(n));
const unicodeText = fc.string({ unit: "binary", maxLength: 40 });
const junkString = fc.oneof(
  fc.string({ maxLength: 30 }),
  unicodeText,
  fc.constantFrom("", " ", "\u0000", "\ud800", "' OR 1=1 --", "%00", "../../etc/passwd", "<script>alert(1)</script>", "${jndi:x}", "ghr_x", "mfa_setup_x", "Bearer x"),
  fc.emailAddress(),
  fc.uuid(),
  huge(5000),
);
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }));

function valueFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const options: fc.Arbitrary<unknown>[] = [wrongType];
  if (schema.enum) options.push(fc.constantFrom(...schema.enum));
  if (types.includes("string")) options.push(junkString, fc.stringMatching(/^[0-9]{6}$/));
  if (types.includes("integer") || types.includes("number")) options.push(fc.integer({ min: -5, max: 400 }), fc.constantFrom(2 ** 53, -(2 ** 31), 1e308));
  if (types.includes("boolean")) options.push(fc.boolean(), fc.constantFrom("true", 0, 1));
  if (types.includes("null")) options.push(fc.constant(null));
  if (types.includes("object")) options.push(objectFor(schema));
  return fc.oneof(...options);
}

/** An object with the schema's own keys (some missing, some extra), each value right or wrong. */
function objectFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  const known = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valueFor(v)]));
  return fc.tuple(fc.record(known, { requiredKeys: [] }), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), fc.boolean())
    .map(([own, extra, withExtra]) => (withExtra ? { ...extra, ...own } : own));
}

const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const rawBody = fc.oneof(
  fc.constantFrom('{"a":', "{", "nul", "[1,2", '{"email": "x"}}', "\u0000", "{'single': 1}", '{"__proto__": {"isOrgAdmin": true}}', '{"constructor": {"prototype": {"x": 1}}}'),
  fc.integer({ min: 50, max: 5000 }).map(deep),
  fc.constant(`{"a": ${"[".repeat(20_000)}${"]".repeat(20_000)}}`),
  fc.constant(JSON.stringify({ pad: "x".repeat(70 * 1024) })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);

type Auth = "admin" | "member" | "none" | "garbage";

interface Case {
  auth: Auth;
  pathValues: string[];
  query: Record<string, string>;
  body: { kind: "json"; value: unknown } | { kind: "raw"; text: string; contentType: string } | { kind: "none" };
}

function caseFor(op: Operation): fc.Arbitrary<Case> {
  const pathParams = op.params.filter((p) => p.in === "path");
  const queryParams = op.params.filter((p) => p.in === "query").map((p) => p.name);
  const pathValue = fc.oneof(fc.uuid(), junkString, fc.constant("00000000-0000-0000-0000-000000000000"));
  const queryValue = fc.oneof(junkString, fc.integer({ min: -10, max: 10_000 }).map(String), fc.constantFrom("true", "false", "ndjson", "2026-01-01T00:00:00Z"));
  const queryKeys = fc.oneof(fc.constantFrom(...(queryParams.length ? queryParams : ["x"])), fc.string({ maxLength: 8 }));
  const body: fc.Arbitrary<Case["body"]> = fc.oneof(
    { weight: 4, arbitrary: (op.body ? objectFor(op.body) : fc.jsonValue({ maxDepth: 2 })).map((value) => ({ kind: "json" as const, value })) },
    { weight: 2, arbitrary: rawBody.map((text) => ({ kind: "raw" as const, text, contentType: "application/json" })) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 50 }), fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/xml", "application/json; charset=latin1"))
      .map(([text, contentType]) => ({ kind: "raw" as const, text, contentType })) },
    { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  );
  return fc.record({
    auth: fc.constantFrom<Auth>("admin", "admin", "member", "none", "garbage"),
    pathValues: fc.tuple(...pathParams.map(() => pathValue)).map((v) => v as string[]),
    query: fc.dictionary(queryKeys, queryValue, { maxKeys: 3 }),
    body,
  });
}

function operations(h: Harness): Operation[] {
  const doc = h.app.swagger() as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>> };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method: method.toUpperCase() as Operation["method"], path, params: op.parameters ?? [], body: op.requestBody?.content?.["application/json"]?.schema ?? null });
    }
  }
  return ops;
}

/** The state a refused request must not touch (failure counters and failure audit rows excepted; see below). */
async function snapshot(h: Harness) {
  const { rows } = await sql<Record<string, string>>`
    SELECT
      (SELECT md5(coalesce(string_agg(o::text, ',' ORDER BY o.id), '')) FROM organizations o) AS orgs,
      (SELECT md5(coalesce(string_agg(u::text, ',' ORDER BY u.id), '')) FROM users u) AS users,
      (SELECT count(*) FROM sessions WHERE revoked_at IS NULL)::text AS live_sessions,
      (SELECT count(*) FROM refresh_tokens)::text AS refresh_tokens,
      (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.user_id), '')) FROM mfa_totp t) AS totp,
      (SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY r.id), '')) FROM recovery_codes r) AS recovery,
      (SELECT count(*) FROM invitations)::text AS invitations,
      (SELECT count(*) FROM password_resets)::text AS resets,
      (SELECT count(*) FROM audit_logs)::text AS audit`.execute(h.runtime.database.db);
  return rows[0]!;
}

describeEachDatabase("fuzzing every route", (h) => {
  let admin: Registered;
  let member: { id: string; email: string; password: string; accessToken: string };

  /** After a request that succeeded, put the fixture back: admin active, no MFA, default policy, fresh tokens. */
  async function repair(): Promise<void> {
    const db = h.runtime.database.db;
    await db.updateTable("organizations").set({ mfa_required: false, password_expiration_days: null }).where("id", "=", admin.orgId).execute();
    await db.updateTable("users").set({ is_active: true, must_change_password: false }).where("organization_id", "=", admin.orgId).execute();
    await db.updateTable("users").set({ is_org_admin: true }).where("id", "=", admin.userId).execute();
    h.app.services.organizations.forget(admin.orgId);
    h.app.services.sessions.forgetUser(admin.userId);
    h.app.services.sessions.forgetUser(member.id);
    const ok = async (token: string) => (await h.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(token) })).statusCode === 200;
    if (!(await ok(admin.accessToken))) admin = { ...admin, accessToken: await signIn(admin.email, admin.password, admin.userId) };
    if (!(await ok(member.accessToken))) member = { ...member, accessToken: await signIn(member.email, member.password, member.id) };
  }

  /** Signs in for fresh tokens; a user the fuzzer gave MFA or a new password is put back first. */
  async function signIn(email: string, password: string, userId: string): Promise<string> {
    const db = h.runtime.database.db;
    await db.deleteFrom("mfa_totp").where("user_id", "=", userId).execute();
    await db.updateTable("users").set({ mfa_enabled: false, password_hash: await h.runtime.hasher.hash(password) }).where("id", "=", userId).execute();
    h.clock.advance(16 * 60_000); // any lock the fuzzer earned has ended
    const res = await login(h, admin.slug, email, password);
    assert.ok(res.json().accessToken, `fixture sign-in: ${res.body}`);
    return res.json().accessToken as string;
  }

  function request(op: Operation, c: Case): InjectOptions & { text: string } {
    let i = 0;
    // Lone surrogates cannot be percent-encoded as UTF-8; a client would send U+FFFD.
    const wellFormed = (v: string) => v.replace(/[\ud800-\udfff]/g, (ch, at: number, all: string) =>
      (/[\ud800-\udbff]/.test(ch) && /[\udc00-\udfff]/.test(all[at + 1] ?? "")) || (/[\udc00-\udfff]/.test(ch) && /[\ud800-\udbff]/.test(all[at - 1] ?? "")) ? ch : "\ufffd");
    const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(wellFormed(c.pathValues[i++] ?? "x")));
    const qs = new URLSearchParams(c.query).toString();
    const headers: Record<string, string> = {};
    if (c.auth === "admin") headers.authorization = `Bearer ${admin.accessToken}`;
    if (c.auth === "member") headers.authorization = `Bearer ${member.accessToken}`;
    if (c.auth === "garbage") headers.authorization = "Bearer eyJhbGciOiJub25lIn0.e30.";
    let payload: string | undefined;
    if (c.body.kind === "json") {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(c.body.value) ?? "null";
    } else if (c.body.kind === "raw") {
      headers["content-type"] = c.body.contentType;
      payload = c.body.text;
    }
    if (op.method === "GET" || op.method === "DELETE") payload = c.body.kind === "none" ? undefined : payload;
    const url = qs ? `${path}?${qs}` : path;
    return { method: op.method, url, headers, ...(payload !== undefined ? { payload } : {}), text: `${url} ${payload ?? ""}` };
  }

  test("a NUL character in a path, a query or a body is a 400 naming the field, never a 500 (found by this fuzzer)", async () => {
    const org = await registerOrg(h);
    const cases: InjectOptions[] = [
      { method: "GET", url: "/api/v1/organizations/%00/password-policy" },
      { method: "GET", url: `/api/v1/organizations/${org.slug}%00/password-policy` },
      { method: "GET", url: "/api/v1/users?q=a%00b", headers: bearer(org.accessToken) },
      { method: "POST", url: "/api/v1/auth/login", payload: { organizationSlug: "a\u0000b", email: "x@example.test", password: "Whatever-1" } },
      { method: "POST", url: "/api/v1/auth/login", payload: { organizationSlug: org.slug, email: "x\u0000@example.test", password: "Whatever-1" } },
      { method: "POST", url: "/api/v1/auth/forgot-password", payload: { organizationSlug: org.slug, email: "ada\u0000@example.test" } },
      { method: "PATCH", url: `/api/v1/users/${org.userId}`, headers: bearer(org.accessToken), payload: { name: "Ada\u0000" } },
      { method: "POST", url: "/mfa/setup", headers: bearer(org.accessToken), payload: { mfaType: "GOOGLE\u0000AUTH" } },
    ];
    for (const req of cases) {
      const res = await h.inject(req);
      assert.equal(res.statusCode, 400, `${req.method} ${req.url}: ${res.body}`);
      // A field with a format (email), a pattern (a name) or an enumeration (mfaType) is refused by that
      // rule before the NUL check: still a 400 with the message for that field.
      assert.match(res.body, /NUL|must be a valid email address|must not contain line breaks or other control characters|Invalid MFA type specified/);
    }
  });

  test("every route answers garbage with a 4xx that leaks nothing and changes nothing", async () => {
    admin = await registerOrg(h);
    const m = await createMember(h, admin.orgId);
    member = { ...m, accessToken: (await login(h, admin.slug, m.email, m.password)).json().accessToken };
    const ops = operations(h);
    assert.ok(ops.length >= 30, `the OpenAPI document lists the routes (${ops.length})`);
    const seen = new Map<number, number>();
    for (const op of ops) {
      await fc.assert(
        fc.asyncProperty(caseFor(op), async (c) => {
          const { text, ...req } = request(op, c);
          const before = await snapshot(h);
          const res = await h.inject(req);
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          const where = `${op.method} ${op.path} → ${res.statusCode}`;
          assert.ok(res.statusCode < 500, `${where}: ${res.body.slice(0, 500)}`);
          for (const leak of LEAKS) {
            if (!text.toLowerCase().includes(leak.toLowerCase())) assert.ok(!res.body.toLowerCase().includes(leak.toLowerCase()), `${where} leaks "${leak}": ${res.body.slice(0, 300)}`);
          }
          if (res.statusCode >= 400) {
            const after = await snapshot(h);
            // Failed sign-ins and wrong codes are audited and counted on purpose (401/403/429); a malformed request is not.
            const strict = [400, 404, 405, 413, 415].includes(res.statusCode);
            const { audit: a0, ...rest0 } = before;
            const { audit: a1, ...rest1 } = after;
            assert.deepEqual(rest1, rest0, `${where} changed state: ${res.body.slice(0, 300)}`);
            if (strict) assert.equal(a1, a0, `${where} wrote an audit row`);
          } else {
            await repair();
          }
        }),
        { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
      );
    }
    // The fuzzer reached past validation too: some requests were authorized and well-formed.
    assert.ok([...seen.keys()].some((s) => s < 300), `statuses seen: ${JSON.stringify([...seen])}`);
    assert.ok([...seen.keys()].some((s) => s === 400), "validation refused some");
  });
});
