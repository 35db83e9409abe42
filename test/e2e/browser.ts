import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildConsole } from "../../web/build.js";
import { openTestPGlite } from "../helpers/pglite-dump.js";
import { startRuntime, type Runtime } from "../../src/runtime.js";
import { createTestClock, testConfig, type TestClock } from "../helpers/harness.js";

/** Debian's Chromium; playwright-core drives it (no browser download, which cannot work here). */
export const CHROMIUM = "/usr/bin/chromium";

/** For describe(..., { skip }): the browser suites say why they did not run, never silently. */
export const browserSkip: string | false = existsSync(CHROMIUM) ? false : `skipped: Chromium not found at ${CHROMIUM}`;

export const SHOTS_DIR = join(import.meta.dirname, "..", "..", "test-results");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

export interface ConsoleServer {
  baseUrl: string;
  clock: TestClock;
  dataDir: string;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * A real server on an ephemeral port, embedded in-memory database, and a clock
 * the test moves (TOTP steps), serving the console built from web/.
 */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<ConsoleServer> {
  await buildConsole();
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-e2e-"));
  const clock = createTestClock();
  const runtime = await startRuntime(testConfig(dataDir, env), { database: await openTestPGlite(), clock: clock.now });
  await runtime.app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = runtime.app.server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    clock,
    dataDir,
    runtime,
    async close() {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** The newest mail to `to` in DATA_DIR/outbox (mail leaves just after the response, so wait briefly for it). */
export async function latestMailTo(server: ConsoleServer, to: string, after = 0): Promise<Mail> {
  const dir = join(server.dataDir, "outbox");
  for (let i = 0; i < 100; i++) {
    if (existsSync(dir)) {
      const mails = readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => ({ f, mtime: statSync(join(dir, f)).mtimeMs }))
        .filter((m) => m.mtime >= after)
        .sort((a, b) => a.mtime - b.mtime || a.f.localeCompare(b.f))
        .map((m) => JSON.parse(readFileSync(join(dir, m.f), "utf8")) as Mail)
        .filter((m) => m.to === to);
      if (mails.length) return mails.at(-1)!;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail to ${to} in ${dir}`);
}

/** The path and query of the first console link in a mail (`/set-password?token=…&org=…`). */
export function linkPath(mail: Mail, page: "set-password" | "reset-password"): string {
  const match = new RegExp(`https?://[^/\\s]+(/${page}\\?token=[A-Za-z0-9_%-]+&org=[a-z0-9-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${page} link in: ${mail.text}`);
  return match[1]!;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: true });
}
