import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A free loopback port (the OS picks it; the server binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process, in MiB, from /proc/<pid>/status (VmRSS). */
export function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  url: string;
  port: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/**
 * Starts `node <args>` with `env`, waits until `readyPath` answers 200 over
 * loopback, and answers a handle. The child's stderr/stdout are kept for errors.
 */
export async function startChild(args: string[], env: Record<string, string>, opts: { port: number; readyPath?: string; timeoutMs?: number }): Promise<Child> {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env, PORT: String(opts.port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
  proc.stderr!.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once("exit", () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`child exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`child not ready in time:\n${out}`);
    }
    try {
      const res = await fetch(url + (opts.readyPath ?? "/healthz"));
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    pid: proc.pid!,
    url,
    port: opts.port,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (exited) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** `node --import tsx <file>`: children run the TypeScript sources, as bin/gatehouse.js does. */
export const tsxArgs = (file: string, ...rest: string[]) => ["--import", "tsx", join(ROOT, file), ...rest];

/** Runs a bench child to completion and parses the JSON it prints last. */
export async function runJsonChild<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once("exit", resolve));
  if (code !== 0) throw new Error(`${args.join(" ")} exited with ${code}`);
  const last = out.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as T;
}

/**
 * Machine-wide CPU milliseconds so far, busy and idle (iowait counts as idle), from the
 * first line of /proc/stat: what a load left unused on these cores.
 */
export function machineCpuMs(): { busy: number; idle: number } {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
  const t = ticks.map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const idle = (t[3] ?? 0) + (t[4] ?? 0);
  const busy = t.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
  return { busy: busy * 10, idle: idle * 10 };
}

/** The share of the machine's CPU time between two `machineCpuMs()` readings that was idle. */
export function idleShareBetween(before: { busy: number; idle: number }, after: { busy: number; idle: number }): number {
  const idle = after.idle - before.idle;
  return idle / (idle + after.busy - before.busy);
}

/**
 * CPU milliseconds used so far by a process's main thread and by all its other
 * threads (libuv's pool, where argon2id runs), from /proc/<pid>/task/*\/stat.
 */
export function threadCpuMs(pid: number): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      if (tid === String(pid)) out.main += ms;
      else out.others += ms;
    }
  } catch {
    /* process gone */
  }
  return out;
}
