import { parseArgs } from "node:util";
import type { Config } from "../config.js";
import { startRuntime } from "../runtime.js";
import { createOrganizationRepo } from "../features/organizations/repo.js";
import { createUserRepo } from "../features/users/repo.js";

export const ADMIN_USAGE = `Usage: gatehouse admin reset-mfa --org SLUG --email EMAIL

  reset-mfa   Remove a user's MFA (lost authenticator): their TOTP secret and
              recovery codes are deleted and their sessions end. If the
              organization requires MFA, they enrol again at next sign-in.
              This is the way back for a locked-out sole admin.`;

/** Exit codes: 0 done, 1 failed (e.g. not found), 2 usage. */
export async function adminCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") {
    console.log(ADMIN_USAGE);
    return sub ? 0 : 2;
  }
  if (sub !== "reset-mfa") {
    console.error(`unknown admin command: ${sub}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  let values: { org?: string; email?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: rest, options: { org: { type: "string" }, email: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(ADMIN_USAGE);
    return 0;
  }
  if (!values.org || !values.email) {
    console.error(`--org and --email are required\n\n${ADMIN_USAGE}`);
    return 2;
  }
  const runtime = await startRuntime(config, { logger: false });
  try {
    const db = runtime.database.db;
    const org = await createOrganizationRepo(db).findOrganizationBySlug(values.org.toLowerCase());
    const user = org && (await createUserRepo(db).findUserByEmail(org.id, values.email));
    if (!org || !user) {
      console.error(`no user ${values.email} in organization ${values.org}`);
      return 1;
    }
    if (!user.mfa_enabled) {
      console.error(`${user.email} has no MFA to reset`);
      return 1;
    }
    await runtime.app.services.mfa.resetUserMfa(org.id, user.id, { id: null, email: null, type: "SYSTEM" }, { ip: null, userAgent: "gatehouse-cli" });
    console.log(`MFA reset for ${user.email} in ${org.slug}${org.mfa_required ? "; they will enrol again at next sign-in" : ""}`);
    return 0;
  } finally {
    await runtime.close();
  }
}
