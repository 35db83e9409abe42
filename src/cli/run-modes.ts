import { EXIT } from "./common.js";

export const SERVE_USAGE = `Usage: gatehouse serve

Start the server: migrate the database, then listen on HOST:PORT until SIGTERM
or SIGINT (in-flight requests get 10 s to finish). Everything else comes from
the environment (README.md, "Configuration"). \`npm start\` runs this.

Exit codes: 0 stopped cleanly, 1 failed or cut short, 2 bad configuration.`;

export const MIGRATE_USAGE = `Usage: gatehouse migrate

Apply pending database migrations to the configured database and exit, without
starting the server (a one-shot job before a rolling upgrade). \`serve\` applies
them at start-up too. With the embedded database, stop the server first.

Exit codes: 0 done, 1 failed, 2 bad configuration.`;

/**
 * `serve` and `migrate` take no arguments, and both act at once, so a stray
 * `--help` must never fall through to starting a server or migrating a database.
 * Answers the exit code when the arguments settle it, or null to go on.
 * Call before the configuration is loaded: help needs none.
 */
export function checkRunModeArgs(command: "serve" | "migrate", args: string[]): number | null {
  if (args.length === 0) return null;
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    console.log(command === "serve" ? SERVE_USAGE : MIGRATE_USAGE);
    return EXIT.OK;
  }
  console.error(`gatehouse ${command} takes no arguments (configuration comes from the environment), got: ${args.join(" ")}\nRun \`gatehouse ${command} --help\` for usage.`);
  return EXIT.USAGE;
}
