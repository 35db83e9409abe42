import { once } from "node:events";
import type { Config } from "../config.js";
import { parseInstant } from "../features/audit/instant.js";
import { EXIT, findOrganization, parseFlags, required, runCommand, showHelp, UsageError, withRuntime } from "./common.js";

export const AUDIT_USAGE = `Usage:
  gatehouse audit export --org SLUG [--since INSTANT] [--until INSTANT] [--event TYPE]

  export  The organization's audit trail as NDJSON on standard output, newest
          first, one entry per line (the shape of GET /api/v1/audit-logs),
          streamed as it is read. INSTANT is ISO 8601: 2026-02-18T10:30:00Z, or a
          date (midnight UTC). --since is inclusive, --until exclusive.
          Example: gatehouse audit export --org acme --since 2026-01-01 > acme.ndjson

Exit codes: 0 done, 1 failed (unknown organization), 2 usage.`;

/** A reader that went away (\`| head\`) ends the export quietly, like any Unix filter. */
function isBrokenPipe(err: unknown): boolean {
  return (err as { code?: string }).code === "EPIPE";
}

async function write(line: string): Promise<void> {
  if (!process.stdout.write(line)) await once(process.stdout, "drain");
}

export async function auditCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  return runCommand("audit", async () => {
    if (sub === "--help" || sub === "-h") return showHelp(AUDIT_USAGE);
    if (sub !== "export") throw new UsageError(sub ? `unknown audit command: ${sub}` : "audit needs a command");
    const { values } = parseFlags(rest, { org: { type: "string" }, since: { type: "string" }, until: { type: "string" }, event: { type: "string" } });
    if (values.help) return showHelp(AUDIT_USAGE);
    const slug = required(values.org, "--org");
    for (const flag of ["since", "until"] as const) {
      if (values[flag] !== undefined && !parseInstant(values[flag])) throw new UsageError(`--${flag} must be an ISO 8601 instant, e.g. 2026-02-18T10:30:00Z`);
    }
    return withRuntime(config, async (runtime) => {
      const org = await findOrganization(runtime, slug);
      const entries = runtime.app.services.audit.exportAll(org.id, { from: values.since, to: values.until, eventType: values.event });
      let closed = false;
      const onError = (err: unknown) => {
        if (isBrokenPipe(err)) closed = true;
      };
      process.stdout.on("error", onError);
      try {
        // Pulled page by page (500 rows) as stdout drains: memory stays flat for any trail.
        for await (const entry of entries) {
          if (closed) break;
          await write(JSON.stringify(entry) + "\n");
        }
      } catch (err) {
        if (!isBrokenPipe(err)) throw err;
      } finally {
        process.stdout.off("error", onError);
      }
      return EXIT.OK;
    });
  });
}
