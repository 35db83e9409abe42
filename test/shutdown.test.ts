import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, sleep, spawnInstance, waitReady, type Instance } from "./helpers/cluster.js";

const PG_URL = process.env.TEST_DATABASE_URL ?? null;

/** Whether a new TCP connection to `port` is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Everything the server sends on `socket` until it closes it. */
function readAll(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    socket.on("data", (chunk: Buffer) => (data += chunk.toString()));
    socket.once("close", () => resolve(data));
    socket.once("error", reject);
  });
}

/**
 * SIGTERM (issue #11): stop accepting, finish what is in flight, close, exit 0.
 * The slow request is a slow client: headers sent, body trickling in, on a
 * kept-alive HTTP/1.1 connection as a load balancer would hold it.
 */
describe("shutdown on SIGTERM", () => {
  let dataDir = "";
  let instance: Instance;
  let database: { url: string; drop(): Promise<void> } | null = null;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "gatehouse-shutdown-"));
    // PostgreSQL when there is one (closing the listener and pool too); else the embedded database.
    if (PG_URL) database = await createDatabase(PG_URL);
    instance = await spawnInstance("solo", {
      DATA_DIR: dataDir,
      GATEHOUSE_SECRET_KEY: randomBytes(32).toString("base64"),
      ...(database ? { DATABASE_URL: database.url } : {}),
    });
    await waitReady(instance);
  });
  after(async () => {
    await instance.stop("SIGKILL");
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("a slow in-flight request finishes, new connections are refused, and the process exits 0", async () => {
    const body = JSON.stringify({ organizationSlug: "no-such-org", email: "x@example.test", password: "Wrong-Password-1" });
    const socket = connect(instance.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const answer = readAll(socket);
    socket.write(
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n` +
        body.slice(0, 10),
    );
    await sleep(200);
    const stoppedAt = performance.now();
    instance.proc.kill("SIGTERM");

    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = !(await accepts(instance.port));
      if (!refused) await sleep(20);
    }
    assert.ok(refused, "no new connection is accepted once SIGTERM arrived");
    assert.equal(instance.proc.exitCode, null, "still running while a request is in flight");

    await sleep(500);
    socket.write(body.slice(10));
    const response = await answer;
    assert.match(response, /^HTTP\/1\.1 401 /, response);
    assert.match(response, /INVALID_CREDENTIALS/);

    const code = await instance.exited;
    assert.equal(code, 0, instance.output());
    assert.ok(performance.now() - stoppedAt < 10_000, "within the 10 s bound");
  });
});
