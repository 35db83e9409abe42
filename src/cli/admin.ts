import type { Config } from "../config.js";
import type { Organization, User } from "../db/schema.js";
import { createUserRepo } from "../features/users/repo.js";
import type { Runtime } from "../runtime.js";
import { CLI_ACTOR, CLI_CONTEXT, EXIT, findOrganization, parseFlags, required, runCommand, showHelp, UsageError, withRuntime } from "./common.js";

export const ADMIN_USAGE = `Usage:
  gatehouse admin reset-mfa --org SLUG --email EMAIL
  gatehouse admin reset-password --org SLUG --email EMAIL

  reset-mfa       Remove a user's MFA (lost authenticator): their TOTP secret and
                  recovery codes are deleted and their sessions end. If the
                  organization requires MFA, they enrol again at next sign-in.
                  This is the way back for a locked-out sole admin.
  reset-password  Print a one-time password reset link (valid one hour) instead of
                  mailing it: for a user whose mail does not arrive. Hand it over
                  privately; whoever holds it can set the password.

Exit codes: 0 done, 1 failed (e.g. no such user), 2 usage.`;

class NotFound extends Error {}

async function findUser(runtime: Runtime, slug: string, email: string): Promise<{ org: Organization; user: User }> {
  const org = await findOrganization(runtime, slug).catch(() => null);
  const user = org && (await createUserRepo(runtime.database.db).findUserByEmail(org.id, email));
  if (!org || !user) throw new NotFound(`no user ${email} in organization ${slug}`);
  return { org, user };
}

async function resetMfa(runtime: Runtime, slug: string, email: string): Promise<number> {
  const { org, user } = await findUser(runtime, slug, email);
  if (!user.mfa_enabled) {
    console.error(`${user.email} has no MFA to reset`);
    return EXIT.FAILED;
  }
  await runtime.app.services.mfa.resetUserMfa(org.id, user.id, CLI_ACTOR, CLI_CONTEXT);
  console.log(`MFA reset for ${user.email} in ${org.slug}${org.mfa_required ? "; they will enrol again at next sign-in" : ""}`);
  return EXIT.OK;
}

async function resetPassword(runtime: Runtime, slug: string, email: string): Promise<number> {
  const { org, user } = await findUser(runtime, slug, email);
  const { link, expiresAt } = await runtime.app.services.passwords.createResetLink(org.id, user.id, CLI_ACTOR, CLI_CONTEXT);
  // The link alone on stdout, so `LINK=$(gatehouse admin reset-password ...)` works.
  console.log(link);
  console.error(`one-time reset link for ${user.email} in ${org.slug}, valid until ${expiresAt.toISOString()}`);
  return EXIT.OK;
}

export async function adminCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  return runCommand("admin", async () => {
    if (sub === "--help" || sub === "-h") return showHelp(ADMIN_USAGE);
    if (sub !== "reset-mfa" && sub !== "reset-password") throw new UsageError(sub ? `unknown admin command: ${sub}` : "admin needs a command");
    const { values } = parseFlags(rest, { org: { type: "string" }, email: { type: "string" } });
    if (values.help) return showHelp(ADMIN_USAGE);
    const slug = required(values.org, "--org");
    const email = required(values.email, "--email");
    return withRuntime(config, async (runtime) => {
      try {
        return await (sub === "reset-mfa" ? resetMfa(runtime, slug, email) : resetPassword(runtime, slug, email));
      } catch (err) {
        if (!(err instanceof NotFound)) throw err;
        console.error(err.message);
        return EXIT.FAILED;
      }
    });
  });
}
