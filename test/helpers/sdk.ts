import assert from "node:assert/strict";
import { totpCode } from "../../src/crypto/totp.js";
import { operations, type OperationId } from "../../sdk/index.js";
import { mailsDuring } from "./admin.js";
import type { Harness } from "./harness.js";

/** Which operation a request was: by method and path template (`{id}` matches one segment). */
const MATCHERS = (Object.entries(operations) as [OperationId, { method: string; path: string }][]).map(([id, spec]) => ({
  id,
  method: spec.method,
  re: new RegExp(`^${spec.path.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`),
}));

export function operationOf(method: string, url: string): OperationId | null {
  const path = new URL(url).pathname;
  return MATCHERS.find((m) => m.method === method && m.re.test(path))?.id ?? null;
}

/**
 * A fetch that records the operation of every request (the coverage check) and,
 * like a browser, keeps cookies per path (Node's fetch has no cookie jar).
 */
export function recordingFetch(called: OperationId[]) {
  const jar = new Map<string, { value: string; path: string }>();
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const op = operationOf(init?.method ?? "GET", url);
    if (op) called.push(op);
    const path = new URL(url).pathname;
    const cookies = [...jar].filter(([, c]) => path.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`);
    const headers = new Headers(init?.headers);
    if (cookies.length) headers.set("cookie", cookies.join("; "));
    const response = await fetch(url, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";").map((s) => s.trim());
      const [name = "", value = ""] = pair.split("=");
      const cookiePath = attrs.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
      if (value === "" || attrs.some((a) => /^max-age=0$/i.test(a) || /^expires=Thu, 01 Jan 1970/i.test(a))) jar.delete(name);
      else jar.set(name, { value, path: cookiePath });
    }
    return response;
  };
}

/** A fresh authenticator code: the clock moves to the next 30 s step first, so no code is a replay. */
export function freshCode(h: Harness, secret: string): string {
  h.clock.advance(30_000);
  return totpCode(secret, h.clock.now());
}

/** The token of the link mailed to `to` by `action` (mail leaves after the answer: mailsDuring waits for it). */
export async function mailedToken(h: Harness, to: string, action: () => Promise<unknown>): Promise<string> {
  const { mails } = await mailsDuring(h, action);
  const mail = mails.filter((m) => m.to.toLowerCase() === to.toLowerCase()).at(-1);
  assert.ok(mail, `no mail to ${to}`);
  const match = /(?:set|reset)-password\?token=([A-Za-z0-9_%-]+)/.exec(mail.text);
  assert.ok(match, `no link in ${mail.text}`);
  return decodeURIComponent(match[1]!);
}
