import { parseArgs, type ParseArgsConfig } from "node:util";
import type { TSchema } from "@sinclair/typebox";
import type { Kysely } from "kysely";
import type { Config } from "../config.js";
import { resolveMasterKeys } from "../crypto/master-key.js";
import { createSecretBox, type SecretBox } from "../crypto/secretbox.js";
import { migrate } from "../db/migrate.js";
import type { DB, Organization } from "../db/schema.js";
import { toAppError } from "../http/error-handler.js";
import { AppError } from "../http/errors.js";
import { createValidatorCompiler } from "../http/validation.js";
import { createOrganizationRepo } from "../features/organizations/repo.js";
import type { AuditActor } from "../features/audit/audit.js";
import type { ClientContext } from "../features/sessions/service.js";
import { openDatabase, startRuntime, type Runtime } from "../runtime.js";

/** Exit codes of every command: 0 done, 1 failed (not found, refused), 2 usage (bad flags or values). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The operator at the host's shell, as the audit trail names them. */
export const CLI_ACTOR: AuditActor = { id: null, email: null, type: "SYSTEM" };
export const CLI_CONTEXT: ClientContext = { ip: null, userAgent: "gatehouse-cli" };

/** Wrong flags or values: printed with the command's usage, exit 2. */
export class UsageError extends Error {}

/** parseArgs, with its errors turned into usage errors and `--help`/`-h` always known. */
export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required`);
  return value;
}

/**
 * Checks a value against a route's TypeBox schema with the API's own validator,
 * so the CLI refuses exactly what the API refuses, with the same messages.
 */
export function validateLikeTheApi<T>(schema: TSchema, value: unknown): T {
  const validate = createValidatorCompiler(() => [])({ schema, httpPart: "body" } as never) as unknown as {
    (v: unknown): boolean;
    errors?: unknown[];
  };
  if (validate(value)) return value as T;
  const error = toAppError(Object.assign(new Error("invalid"), { validation: validate.errors ?? [], validationContext: "body" }) as never);
  const fields = Object.entries(error.extra.validationErrors ?? {}).map(([field, message]) => `${field} ${message}`);
  throw new UsageError(fields.join("\n") || error.message);
}

/** Opens the same database and configuration as the server (migrations included), runs `fn`, closes. */
export async function withRuntime<T>(config: Config, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await startRuntime(config, { logger: false, onWarning: (msg) => console.error(`warning: ${msg}`) });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

export async function findOrganization(runtime: Runtime, slug: string): Promise<Organization> {
  const org = await createOrganizationRepo(runtime.database.db).findOrganizationBySlug(slug.trim().toLowerCase());
  if (!org) throw new AppError("NOT_FOUND", `no organization with slug ${slug}`);
  return org;
}

/**
 * The database (migrated) and the master keys, without the rest of the runtime: what the
 * `keys` commands need. The runtime also loads the signing keys, which fails when one is
 * sealed under a master key no longer listed: exactly the state `keys master` must report.
 */
export async function withDatabaseAndKeys<T>(config: Config, fn: (deps: { db: Kysely<DB>; box: SecretBox }) => Promise<T>): Promise<T> {
  const database = await openDatabase(config);
  try {
    await migrate(database.db);
    const { keys, warning } = resolveMasterKeys(config.secretKeys, config.dataDir);
    if (warning) console.error(`warning: ${warning}`);
    return await fn({ db: database.db, box: createSecretBox(keys) });
  } finally {
    await database.close();
  }
}

/** Runs a command body with the common exit-code rules. */
export async function runCommand(command: string, body: () => Promise<number | void>): Promise<number> {
  try {
    return (await body()) ?? EXIT.OK;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\nRun \`gatehouse ${command} --help\` for usage.`);
      return EXIT.USAGE;
    }
    if (err instanceof AppError) {
      console.error(`error: ${err.message}`);
      for (const d of err.extra.details ?? []) console.error(`  ${d.rule}: ${d.message}`);
      for (const [field, message] of Object.entries(err.extra.validationErrors ?? {})) console.error(`  ${field} ${message}`);
      return err.code === "VALIDATION_ERROR" ? EXIT.USAGE : EXIT.FAILED;
    }
    throw err;
  }
}

export function showHelp(usage: string): number {
  console.log(usage);
  return EXIT.OK;
}

/** Left-aligned columns for humans; `--json` is for scripts. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  console.log(line(headers));
  for (const row of rows) console.log(line(row));
}
