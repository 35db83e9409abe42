import { ConfigError, loadConfig, type Config } from "./config.js";
import { adminCommand } from "./cli/admin.js";
import { migrate } from "./db/migrate.js";
import { openDatabase, startRuntime } from "./runtime.js";

const USAGE = `Usage: gatehouse <command>

Commands:
  serve      Start the server (default)
  migrate    Apply pending database migrations and exit
  admin      Host-side recovery: admin reset-mfa --org SLUG --email EMAIL

Configuration comes from the environment (see README.md).`;

async function serve(config: Config): Promise<void> {
  const runtime = await startRuntime(config, {
    logger: { level: config.logLevel },
    onWarning: (msg) => console.warn(`warning: ${msg}`),
  });
  const { app } = runtime;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    // Finish in-flight requests, but never hang forever.
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    await runtime.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  await app.listen({ port: config.port, host: config.host });
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  console.log(`Gatehouse is listening on http://${shownHost}:${config.port} (${runtime.database.kind === "pglite" ? `embedded database in ${config.dataDir}` : "PostgreSQL"})`);
}

async function main(argv: string[]): Promise<number> {
  const [command = "serve"] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) console.error(`config error: ${line}`);
      return 2;
    }
    throw err;
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
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
