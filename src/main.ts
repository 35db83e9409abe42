import { ConfigError, loadConfig, type Config } from "./config.js";
import { adminCommand } from "./cli/admin.js";
import { auditCommand } from "./cli/audit.js";
import { keysCommand } from "./cli/keys.js";
import { orgCommand } from "./cli/org.js";
import { checkRunModeArgs } from "./cli/run-modes.js";
import { migrate } from "./db/migrate.js";
import { openDatabase, startRuntime } from "./runtime.js";

const USAGE = `Usage: gatehouse <command>

Commands:
  serve      Start the server (default)
  migrate    Apply pending database migrations and exit
  org        Organizations: org create | list | settings get | settings set
  admin      Host-side recovery: admin reset-mfa | reset-password --org SLUG --email EMAIL
  keys       Signing and master keys: keys rotate | list | master | reseal
  audit      Audit trail: audit export --org SLUG [--since INSTANT] (NDJSON on stdout)

Run \`gatehouse <command> --help\` for a command's flags. Exit codes: 0 done,
1 failed, 2 usage. Commands use the server's database and configuration; with
the embedded database, stop the server first (one process per data directory).

Configuration comes from the environment (see README.md).`;

/** How long in-flight requests may run on after SIGTERM (a load balancer's drain usually allows 15–30 s). */
const SHUTDOWN_GRACE_MS = 10_000;

async function serve(config: Config): Promise<void> {
  const runtime = await startRuntime(config, {
    logger: { level: config.logLevel },
    onWarning: (msg) => console.warn(`warning: ${msg}`),
  });
  const { app } = runtime;
  let closing = false;
  /**
   * Stop accepting, let in-flight requests finish (new requests on kept-alive
   * connections get 503 and `Connection: close`), then close the listener, Redis
   * and the pool. Requests still running after SHUTDOWN_GRACE_MS lose their
   * connections and the exit code says so; a close that hangs beyond that is cut.
   */
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    let forced = false;
    const grace = setTimeout(() => {
      forced = true;
      app.log.warn({ graceMs: SHUTDOWN_GRACE_MS }, "in-flight requests did not finish in time; closing their connections");
      app.server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS + 5_000).unref();
    // A kept-alive connection whose request was under way when the signal came stays open after
    // its answer; close each one as soon as it is idle, or the close would wait out the grace period.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
    let failed = false;
    await runtime.close().catch((err: unknown) => {
      failed = true;
      app.log.error({ err }, "error while shutting down");
    });
    clearInterval(reaper);
    clearTimeout(grace);
    process.exit(forced || failed ? 1 : 0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  if (runtime.migrated.length > 0) console.log(`applied migrations: ${runtime.migrated.join(", ")}`);
  await app.listen({ port: config.port, host: config.host }).catch((err: unknown) => {
    throw new Error(`cannot listen on ${config.host}:${config.port} (HOST, PORT): ${err instanceof Error ? err.message : String(err)}`);
  });
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  console.log(`Gatehouse is listening on http://${shownHost}:${config.port} (${runtime.database.kind === "pglite" ? `embedded database in ${config.dataDir}` : "PostgreSQL"})`);
}

/** Stands in for a configuration that failed to load while only help is asked for; any use reports the failure. */
function unusableConfig(error: ConfigError): Config {
  return new Proxy({} as Config, {
    get() {
      throw error;
    },
  });
}

async function main(argv: string[]): Promise<number> {
  const [command = "serve", ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (command === "serve" || command === "migrate") {
    const settled = checkRunModeArgs(command, rest);
    if (settled !== null) return settled;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Asking a host command for its usage needs no configuration; anything else does.
    if (!rest.some((a) => a === "--help" || a === "-h")) {
      for (const line of err.problems) console.error(`config error: ${line}`);
      return 2;
    }
    config = unusableConfig(err);
  }
  switch (command) {
    case "serve":
      await serve(config);
      return -1;
    case "migrate": {
      const database = await openDatabase(config);
      try {
        const ran = await migrate(database.db);
        console.log(ran.length ? `applied: ${ran.join(", ")}` : "database is up to date");
      } finally {
        await database.close();
      }
      return 0;
    }
    case "admin":
      return adminCommand(argv.slice(1), config);
    case "org":
      return orgCommand(argv.slice(1), config);
    case "keys":
      return keysCommand(argv.slice(1), config);
    case "audit":
      return auditCommand(argv.slice(1), config);
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      for (const line of err.problems) console.error(`config error: ${line}`);
      process.exit(2);
    }
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
