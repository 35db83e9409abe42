import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { CONNECT_TIMEOUT_MS, openPostgres, openReachablePostgres } from "../src/db/connection.js";
import { checkReadiness, READINESS_CHECK_TIMEOUT_MS } from "../src/cluster/health.js";

/** A "PostgreSQL" that accepts connections and never says a word: a hung host, a black-holed route. */
async function blackHole() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test("a database that accepts and never answers fails a query within the connect timeout, and /readyz's check in 2 s", async () => {
  const hole = await blackHole();
  const database = await openPostgres(hole.url, 2);
  try {
    let started = Date.now();
    const readiness = await checkReadiness({ db: database.db });
    const readyIn = Date.now() - started;
    assert.equal(readiness.ready, false);
    assert.deepEqual(readiness.body, { status: "unavailable", checks: { database: "down", migrations: "unknown" } });
    assert.ok(readyIn < READINESS_CHECK_TIMEOUT_MS + 1_000, `readiness answered in ${readyIn} ms`);

    started = Date.now();
    await assert.rejects(database.db.selectFrom("users").select("id").execute(), /timeout/i);
    const failedIn = Date.now() - started;
    assert.ok(failedIn < CONNECT_TIMEOUT_MS + 2_000, `the query failed after ${failedIn} ms`);
  } finally {
    await database.close().catch(() => {});
    await hole.close();
  }
});

test("a server start that cannot reach PostgreSQL fails with one line naming DATABASE_URL and where it points, never the password", async () => {
  const hole = await blackHole();
  const closed = hole.url.replace(/:(\d+)\//, ":1/");
  try {
    await assert.rejects(openReachablePostgres(closed.replace("postgres:postgres@", "postgres:s3cret-pw@")), (err: Error) => {
      assert.match(err.message, /^cannot reach PostgreSQL at 127\.0\.0\.1:1\/postgres \(DATABASE_URL\): /);
      assert.ok(!err.message.includes("s3cret-pw"));
      return true;
    });
    const started = Date.now();
    await assert.rejects(openReachablePostgres(hole.url), /^Error: cannot reach PostgreSQL at .*\(DATABASE_URL\): .*timeout/i);
    assert.ok(Date.now() - started < CONNECT_TIMEOUT_MS + 2_000);
  } finally {
    await hole.close();
  }
});
