import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { FastifyInstance } from "fastify";
import { buildDocumentApp, type RegisteredRoute } from "../scripts/openapi-document.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface Media {
  schema: Json;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

/** Routes that serve no API: probes, the document and its viewer, and the console's files. */
const INFRASTRUCTURE = [/^\/healthz$/, /^\/readyz$/, /^\/openapi\.json$/, /^\/docs(\/.*)?$/, /^\/$/, /^\/\*$/, /^\/assets\/\*$/];

/** Fastify's `/users/:id` is OpenAPI's `/users/{id}`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, "{$1}");

function walk(value: unknown, visit: (node: Json, path: string) => void, path = "#"): void {
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, visit, `${path}/${i}`));
  else if (value && typeof value === "object") {
    visit(value as Json, path);
    for (const [k, v] of Object.entries(value)) walk(v, visit, `${path}/${k}`);
  }
}

describe("OpenAPI document", () => {
  let app: FastifyInstance;
  let routes: RegisteredRoute[];
  let doc: Json & { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Json>; securitySchemes: Json } };
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

  before(async () => {
    ({ app, routes } = await buildDocumentApp());
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(() => app.close());

  test("is a valid OpenAPI 3.1 document", async () => {
    assert.equal(doc.openapi, "3.1.0");
    const result = await validate(structuredClone(doc) as never);
    assert.equal(result.valid, true, JSON.stringify(result));
  });

  test("documents every API route of both dialects, and nothing else", () => {
    const documented = new Set(operations().map(({ path, method }) => `${method} ${path}`));
    const registered = routes.filter((r) => !r.hidden).map((r) => `${r.method} ${openApiPath(r.url)}`);
    assert.deepEqual(registered.filter((r) => !documented.has(r)), [], "registered but undocumented");
    assert.deepEqual([...documented].filter((d) => !registered.includes(d)), [], "documented but not registered");
    const hidden = routes.filter((r) => r.hidden && !INFRASTRUCTURE.some((re) => re.test(r.url)));
    assert.deepEqual(hidden, [], "only infrastructure routes may be hidden");
    for (const key of ["POST /api/v1/auth/login", "PATCH /api/v1/organization/settings", "POST /mfa/organization/enforce", "GET /mfa/status"]) {
      assert.ok(documented.has(key), key);
    }
  });

  test("every operation has a unique operationId, a summary, tags and a success response", () => {
    const ids = operations().map(({ op }) => op.operationId);
    assert.ok(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z0-9]+$/.test(id)), JSON.stringify(ids));
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    for (const { path, method, op } of operations()) {
      assert.ok(op.summary && op.tags?.length, `${method} ${path} has a summary and tags`);
      assert.ok(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${method} ${path} declares its success`);
      for (const [status, response] of Object.entries(op.responses)) {
        assert.notEqual(response.description, "Default Response", `${method} ${path} ${status}`);
      }
    }
  });

  test("routes behind the auth guard declare the bearer scheme, public ones do not", () => {
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: "http", scheme: "bearer", bearerFormat: "JWT" });
    for (const route of routes.filter((r) => !r.hidden)) {
      const op = doc.paths[openApiPath(route.url)]![route.method.toLowerCase()]!;
      const bearer = (op.security ?? []).some((s) => "bearerAuth" in s);
      assert.equal(bearer, route.auth !== "none", `${route.method} ${route.url} (auth: ${route.auth})`);
      if (bearer) assert.ok(op.responses["401"], `${route.method} ${route.url} documents its 401`);
    }
  });

  test("errors are the dialect's shared body: ErrorBody under /api/v1, FlashbackError at the root, each naming its codes", () => {
    assert.ok(doc.components.schemas.ErrorBody && doc.components.schemas.FlashbackError);
    for (const { path, method, op } of operations()) {
      const expected = path.startsWith("/api/v1/") && !path.endsWith("/mfa/organization/enforce") ? "ErrorBody" : "FlashbackError";
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        assert.equal(response.content?.["application/json"]?.schema.$ref, `#/components/schemas/${expected}`, `${method} ${path} ${status}`);
        if (expected === "ErrorBody") assert.match(response.description, /^[A-Z_]+( or [A-Z_]+)*$/, `${method} ${path} ${status} names its codes`);
      }
    }
    const codes = (doc.components.schemas.ErrorBody!.properties as Record<string, Json>).error!.enum as string[];
    assert.ok(codes.includes("VALIDATION_ERROR") && codes.includes("RATE_LIMITED"));
  });

  test("every $ref points into components.schemas, and resolves", () => {
    const refs: string[] = [];
    walk(doc, (node, path) => {
      if (typeof node.$ref === "string") refs.push(`${path} → ${node.$ref}`);
    });
    assert.ok(refs.length > 20);
    for (const ref of refs) {
      const m = /→ #\/components\/schemas\/(\w+)$/.exec(ref);
      assert.ok(m && doc.components.schemas[m[1]!], ref);
    }
  });

  test("examples (from the tests and the reference pages) are valid against their schemas", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: "doc", components: doc.components });
    const compile = (schema: Json) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
    const checked: string[] = [];
    const check = (schema: Json, example: unknown, where: string) => {
      const ok = compile(schema);
      assert.ok(ok(example), `${where}: ${JSON.stringify(ok.errors)}`);
      checked.push(where);
    };
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      for (const [i, example] of ((schema.examples as unknown[]) ?? []).entries()) check({ $ref: `#/components/schemas/${name}` }, example, `${name}[${i}]`);
    }
    for (const { path, method, op } of operations()) {
      const media = [op.requestBody?.content["application/json"], ...Object.values(op.responses).map((r) => r.content?.["application/json"])];
      for (const m of media) {
        if (!m) continue;
        if (m.example !== undefined) check(m.schema, m.example, `${method} ${path}`);
        for (const [k, v] of Object.entries(m.examples ?? {})) check(m.schema, v.value, `${method} ${path} ${k}`);
      }
    }
    const settings = (doc.components.schemas.OrganizationSettings!.examples as Json[])[0]!;
    assert.equal(compile({ $ref: "#/components/schemas/OrganizationSettings" })({ ...settings, passwordMinLength: "12" }), false, "the check can fail");
    for (const required of ["OrganizationSettings[0]", "LoginResponse[0]", "ErrorBody[0]", "POST /api/v1/auth/login", "PATCH /api/v1/organization/settings example1"]) {
      assert.ok(checked.includes(required), `${required} has an example (checked: ${checked.join(", ")})`);
    }
  });

  test("GET /docs renders Swagger UI from the package's own files", async () => {
    const page = await app.inject({ method: "GET", url: "/docs/" });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers["content-type"] as string, /text\/html/);
    assert.match(page.body, /swagger-ui/);
    const init = await app.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    assert.equal(init.statusCode, 200);
    const json = await app.inject({ method: "GET", url: "/docs/json" });
    assert.deepEqual(json.json(), doc);
  });

  test("GET /docs, with or without the slash, loads every script and stylesheet it names (none falls to the console)", async () => {
    for (const url of ["/docs", "/docs/"]) {
      const page = await app.inject({ method: "GET", url });
      assert.equal(page.statusCode, 200, url);
      const assets = [...page.body.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => new URL(m[1]!, `http://gatehouse.test${url}`).pathname);
      assert.ok(assets.some((a) => a.endsWith("/swagger-ui-bundle.js")) && assets.some((a) => a.endsWith("/swagger-initializer.js")), assets.join(", "));
      for (const asset of assets) {
        const res = await app.inject({ method: "GET", url: asset });
        assert.equal(res.statusCode, 200, `${url} → ${asset}`);
        assert.doesNotMatch(res.headers["content-type"] as string, /text\/html/, `${url} → ${asset} is not the console's page`);
      }
    }
  });
});
