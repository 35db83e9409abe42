import type { Static } from "@sinclair/typebox";
import type { Config } from "../config.js";
import { RegisterBody } from "../features/auth/schemas.js";
import { createOrganizationRepo } from "../features/organizations/repo.js";
import { SettingsPatchBody } from "../features/organizations/schemas.js";
import type { OrganizationSettings } from "../features/organizations/settings.js";
import { CLI_ACTOR, CLI_CONTEXT, EXIT, findOrganization, parseFlags, printTable, required, runCommand, showHelp, UsageError, validateLikeTheApi, withRuntime } from "./common.js";
import { PromptCancelled, promptNewPassword, type PromptInput } from "./prompt.js";

export const ORG_USAGE = `Usage:
  gatehouse org create --name NAME [--slug SLUG] --admin-email EMAIL [--admin-password PASSWORD] [--json]
  gatehouse org list [--json]
  gatehouse org settings get --org SLUG [--json]
  gatehouse org settings set --org SLUG key=value...

  create        A new organization and its first admin, whatever SIGNUP says. Without
                --admin-password the password is asked for on the terminal (not echoed);
                without a terminal it must be given (exit 2 otherwise).
  list          Every organization, with its member count and MFA enforcement.
  settings get  The organization's MFA and password policy.
  settings set  Change settings, with the API's names and rules:
                  mfaRequired=true|false            passwordMinLength=8..128
                  passwordRequireUppercase=...      passwordRequireLowercase=...
                  passwordRequireDigit=...          passwordRequireSpecialChar=...
                  passwordExpirationDays=1..365|null
                Values are JSON: true, false, null, numbers ("quoted" for strings).

Exit codes: 0 done, 1 failed (unknown organization, slug taken, password refused), 2 usage.`;

const SETTING_KEYS = Object.keys(SettingsPatchBody.properties);

/** `key=value` with a JSON-ish value: true/false/null/numbers/"strings"; anything else stays text (and fails validation). */
export function parseAssignments(pairs: string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`expected key=value, got "${pair}"`);
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    if (key in patch) throw new UsageError(`${key} is given twice`);
    let value: unknown = raw;
    if (/^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?|".*")$/.test(raw)) value = JSON.parse(raw);
    patch[key] = value;
  }
  return patch;
}

function printSettings(settings: OrganizationSettings, slug: string, json: boolean): void {
  if (json) return console.log(JSON.stringify(settings, null, 2));
  console.log(`${settings.name} (${slug})`);
  for (const key of SETTING_KEYS) console.log(`  ${key} = ${JSON.stringify(settings[key as keyof OrganizationSettings])}`);
}

async function create(args: string[], config: Config): Promise<number> {
  const { values } = parseFlags(args, {
    name: { type: "string" },
    slug: { type: "string" },
    "admin-email": { type: "string" },
    "admin-password": { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) return showHelp(ORG_USAGE);
  const name = required(values.name, "--name");
  const email = required(values["admin-email"], "--admin-email");
  let password = values["admin-password"];
  if (password === undefined) {
    const stdin = process.stdin as unknown as PromptInput;
    if (!stdin.isTTY) throw new UsageError("--admin-password is required when standard input is not a terminal");
    try {
      password = await promptNewPassword("Admin password", stdin, process.stderr);
    } catch (err) {
      if (err instanceof PromptCancelled) return EXIT.USAGE;
      throw err;
    }
  }
  const input = validateLikeTheApi<Static<typeof RegisterBody>>(RegisterBody, {
    organizationName: name,
    email,
    password,
    ...(values.slug !== undefined ? { organizationSlug: values.slug } : {}),
  });
  return withRuntime(config, async (runtime) => {
    const { organization, admin } = await runtime.app.services.auth.createOrganization(input, CLI_ACTOR, CLI_CONTEXT);
    if (values.json) {
      console.log(JSON.stringify({ id: organization.id, slug: organization.slug, name: organization.name, adminId: admin.id, adminEmail: admin.email }, null, 2));
    } else {
      console.log(`created organization ${organization.slug} (${organization.name}), id ${organization.id}`);
      console.log(`admin ${admin.email} can sign in now`);
    }
    return EXIT.OK;
  });
}

async function list(args: string[], config: Config): Promise<number> {
  const { values } = parseFlags(args, { json: { type: "boolean" } });
  if (values.help) return showHelp(ORG_USAGE);
  return withRuntime(config, async (runtime) => {
    const orgs = await createOrganizationRepo(runtime.database.db).listOrganizationsWithMemberCounts();
    if (values.json) {
      const out = orgs.map((o) => ({
        id: o.id, slug: o.slug, name: o.name, subscriptionTier: o.subscription_tier, mfaRequired: o.mfa_required,
        members: Number(o.member_count), createdAt: o.created_at.toISOString(),
      }));
      console.log(JSON.stringify(out, null, 2));
    } else {
      printTable(["SLUG", "NAME", "MEMBERS", "MFA", "CREATED"], orgs.map((o) => [
        o.slug, o.name, String(o.member_count), o.mfa_required ? "required" : "optional", o.created_at.toISOString().slice(0, 10),
      ]));
    }
    return EXIT.OK;
  });
}

async function settings(args: string[], config: Config): Promise<number> {
  const [action, ...rest] = args;
  if (action !== "get" && action !== "set") {
    if (action === "--help" || action === "-h") return showHelp(ORG_USAGE);
    throw new UsageError(action ? `unknown settings command: ${action}` : "settings needs get or set");
  }
  const { values, positionals } = parseFlags(rest, { org: { type: "string" }, json: { type: "boolean" } }, action === "set");
  if (values.help) return showHelp(ORG_USAGE);
  const slug = required(values.org, "--org");
  if (action === "set" && positionals.length === 0) throw new UsageError(`settings set needs at least one key=value (${SETTING_KEYS.join(", ")})`);
  // Validated before the database opens: a typo costs nothing.
  const patch = action === "set" ? validateLikeTheApi<Static<typeof SettingsPatchBody>>(SettingsPatchBody, parseAssignments(positionals)) : null;
  return withRuntime(config, async (runtime) => {
    const org = await findOrganization(runtime, slug);
    const { organizations } = runtime.app.services;
    const result = patch ? await organizations.updateSettings(org.id, patch, CLI_ACTOR, CLI_CONTEXT) : await organizations.getSettings(org.id);
    printSettings(result, org.slug, values.json === true);
    return EXIT.OK;
  });
}

export async function orgCommand(argv: string[], config: Config): Promise<number> {
  const [sub, ...rest] = argv;
  return runCommand("org", async () => {
    switch (sub) {
      case "create":
        return create(rest, config);
      case "list":
        return list(rest, config);
      case "settings":
        return settings(rest, config);
      case "--help":
      case "-h":
        return showHelp(ORG_USAGE);
      default:
        throw new UsageError(sub ? `unknown org command: ${sub}` : "org needs a command");
    }
  });
}
