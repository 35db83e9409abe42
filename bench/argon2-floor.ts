/**
 * The floor of login throughput: raw argon2id verifies per second with the
 * server's parameters (ARGON2_PARAMS), a pepper as its own, and its
 * one-hash-per-core limit (the password hasher), at the same concurrency as the login load. Run as its own
 * process (like the server) so it gets the same cores; prints one JSON line.
 * Usage: argon2-floor.ts <concurrency> <seconds>
 */
import { idleShareBetween, machineCpuMs } from "./lib/proc.js";
import { ARGON2_PARAMS, ARGON2_SLOTS } from "../src/crypto/passwords.js";
import { benchHasher } from "./lib/hasher.js";

const concurrency = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 5);
const hasher = benchHasher();
const stored = await hasher.hash("Bench-Pass-2026!");
let done = 0;
const cpuBefore = process.cpuUsage();
const machineBefore = machineCpuMs();
const started = performance.now();
const deadline = started + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      if (!(await hasher.verify(stored, "Bench-Pass-2026!"))) throw new Error("verify failed");
      done++;
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const idleShare = idleShareBetween(machineBefore, machineCpuMs());
const cpuMsPerVerify = (cpu.user + cpu.system) / 1000 / done;
console.log(JSON.stringify({ verifiesPerSecond: done / elapsed, cpuMsPerVerify, idleShare, verifies: done, seconds: elapsed, concurrency, slots: ARGON2_SLOTS, params: ARGON2_PARAMS }));
