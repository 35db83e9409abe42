/**
 * The floor of login throughput: raw argon2id verifies per second with the
 * server's parameters (ARGON2_PARAMS), at the same concurrency as the login
 * load. Run as its own process (like the server) so it gets the same cores;
 * prints one JSON line. Usage: argon2-floor.ts <concurrency> <seconds>
 */
import { hash, verify } from "@node-rs/argon2";
import { ARGON2_PARAMS } from "../src/crypto/passwords.js";

const concurrency = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 5);
const stored = await hash("Bench-Pass-2026!", ARGON2_PARAMS);
let done = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      if (!(await verify(stored, "Bench-Pass-2026!"))) throw new Error("verify failed");
      done++;
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({ verifiesPerSecond: done / elapsed, verifies: done, seconds: elapsed, concurrency, params: ARGON2_PARAMS }));
