import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.js";

test("defaults match DESIGN.md", () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.dataDir, "./data");
  assert.equal(c.databaseUrl, null);
  assert.equal(c.signup, "open");
  assert.equal(c.accessTokenTtl, 900);
  assert.equal(c.refreshTokenTtl, 604_800);
  assert.equal(c.logLevel, "info");
  assert.equal(c.publicUrl, "http://localhost:3000");
});

test("every bad value is reported, one line each, naming the variable", () => {
  try {
    loadConfig({ PORT: "http", SIGNUP: "maybe", DATABASE_URL: "mysql://x", GATEHOUSE_SECRET_KEY: "c2hvcnQ=", ACCESS_TOKEN_TTL: "-1" });
    assert.fail("expected a ConfigError");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems.map((p) => p.split(":")[0]), ["PORT", "GATEHOUSE_SECRET_KEY", "DATABASE_URL", "SIGNUP", "ACCESS_TOKEN_TTL"]);
    for (const line of err.problems) assert.ok(!line.includes("\n"));
  }
});

test("production requires a master key", () => {
  assert.throws(() => loadConfig({ NODE_ENV: "production" }), /GATEHOUSE_SECRET_KEY: required/);
  const key = Buffer.alloc(32, 7).toString("base64");
  assert.equal(loadConfig({ NODE_ENV: "production", GATEHOUSE_SECRET_KEY: key }).secretKeys?.length, 1);
});

test("TRUST_PROXY takes a hop count or the balancers' addresses, and nothing looser", () => {
  assert.equal(loadConfig({}).trustProxy, false);
  assert.equal(loadConfig({ TRUST_PROXY: "1" }).trustProxy, 1);
  assert.deepEqual(loadConfig({ TRUST_PROXY: "10.0.0.0/8, 192.168.1.4,loopback" }).trustProxy, ["10.0.0.0/8", "192.168.1.4", "loopback"]);
  for (const bad of ["true", "0", "10.0.0.0/33", "example.com", "10.0.0.1/8/1"]) {
    assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY:/, bad);
  }
});

test("DATABASE_PREPARED_STATEMENTS is on unless turned off, and nothing else", () => {
  assert.equal(loadConfig({}).databasePreparedStatements, true);
  assert.equal(loadConfig({ DATABASE_PREPARED_STATEMENTS: "off" }).databasePreparedStatements, false);
  assert.equal(loadConfig({ DATABASE_PREPARED_STATEMENTS: "on" }).databasePreparedStatements, true);
  assert.throws(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: "false" }), /DATABASE_PREPARED_STATEMENTS: must be one of on, off/);
});

test("SESSION_MAX_LIFETIME is unset by default, else whole seconds from 5 minutes to a year", () => {
  assert.equal(loadConfig({}).sessionMaxLifetime, null);
  assert.equal(loadConfig({ SESSION_MAX_LIFETIME: "43200" }).sessionMaxLifetime, 43_200);
  for (const bad of ["0", "299", "12h", "-1", String(366 * 86_400)]) {
    assert.throws(() => loadConfig({ SESSION_MAX_LIFETIME: bad }), /SESSION_MAX_LIFETIME: must be a whole number from 300 to 31536000/, bad);
  }
});

test("HOST is an IP address or a host name, and PORT a real port, refused at start rather than at listen", () => {
  for (const host of ["127.0.0.1", "::", "0.0.0.0", "::1", "localhost", "gatehouse.internal", "my-host-1"]) {
    assert.equal(loadConfig({ HOST: host }).host, host);
  }
  for (const host of ["999.1.1.1", "1.2.3", "bad host", "-leading.example", "under_score", "a..b"]) {
    assert.throws(() => loadConfig({ HOST: host }), (err: ConfigError) => err.problems.length === 1 && err.problems[0]!.startsWith("HOST: "), host);
  }
  assert.throws(() => loadConfig({ PORT: "0" }), (err: ConfigError) => err.problems[0]!.startsWith("PORT: "));
});
