import { isIP } from "node:net";

/**
 * Environment → typed configuration. Every bad value is reported as one line
 * naming the variable, so an operator can fix them all in one go.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  /** Pool size per instance on PostgreSQL (the invalidation listener holds one more connection). */
  databasePoolMax: number;
  /** Named prepared statements on PostgreSQL; off behind a pooler that cannot keep them (docs/deploy.md). */
  databasePreparedStatements: boolean;
  redisUrl: string | null;
  /** Base64 master keys; the first encrypts, all decrypt (rotation). Null = generate into DATA_DIR. */
  secretKeys: Buffer[] | null;
  publicUrl: string;
  signup: "open" | "closed";
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** Absolute lifetime of a sign-in session however active it is, seconds; null = none (only the idle bound). */
  sessionMaxLifetime: number | null;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  smtpUrl: string | null;
  /**
   * Which peers may say who the client is (X-Forwarded-For): false (default), a hop
   * count, or addresses/CIDRs. Behind a load balancer the per-IP limit needs it, or
   * every client shares the balancer's address.
   */
  trustProxy: false | number | string[];
  /** Failed sign-ins before an account, or a client IP, is briefly locked (DESIGN.md, "Abuse limits"). */
  limitAccountFailures: number;
  limitIpFailures: number;
  /** Sign-ups (organizations registered) per client IP per hour: EntryGuard documents 5. */
  limitRegistrations: number;
  production: boolean;
  /** JWT iss/aud; derived from PUBLIC_URL so tokens of one deployment are not accepted by another. */
  issuer: string;
  audience: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | null => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? null : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === null) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}: must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  };
  const url = (name: string, protocols: string[]): string | null => {
    const raw = str(name);
    if (raw === null) return null;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error();
      return raw;
    } catch {
      problems.push(`${name}: must be a URL starting with ${protocols.map((p) => p + "//").join(" or ")}`);
      return null;
    }
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = str(name);
    if (raw === null) return fallback;
    if (!values.includes(raw as T)) {
      problems.push(`${name}: must be one of ${values.join(", ")}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  };

  const production = env.NODE_ENV === "production";
  // Not 0 (any free port): PUBLIC_URL's default, hence the tokens' issuer and mailed links, names it.
  const port = int("PORT", 3000, 1, 65535);
  const host = str("HOST") ?? "0.0.0.0";
  if (!isListenHost(host)) problems.push(`HOST: must be an IP address or a host name, got ${JSON.stringify(host)}`);
  const secretKeys = parseSecretKeys(str("GATEHOUSE_SECRET_KEY"), problems);
  if (production && secretKeys === null) {
    problems.push("GATEHOUSE_SECRET_KEY: required when NODE_ENV=production (32 random bytes, base64)");
  }
  const publicUrl = (url("PUBLIC_URL", ["http:", "https:"]) ?? `http://localhost:${port}`).replace(/\/+$/, "");
  const config: Config = {
    port,
    host,
    dataDir: str("DATA_DIR") ?? "./data",
    databaseUrl: url("DATABASE_URL", ["postgres:", "postgresql:"]),
    databasePoolMax: int("DATABASE_POOL_MAX", 10, 1, 1000),
    databasePreparedStatements: oneOf("DATABASE_PREPARED_STATEMENTS", ["on", "off"] as const, "on") === "on",
    redisUrl: url("REDIS_URL", ["redis:", "rediss:"]),
    secretKeys,
    publicUrl,
    signup: oneOf("SIGNUP", ["open", "closed"] as const, "open"),
    accessTokenTtl: int("ACCESS_TOKEN_TTL", 900, 30, 86_400),
    refreshTokenTtl: int("REFRESH_TOKEN_TTL", 7 * 86_400, 60, 365 * 86_400),
    sessionMaxLifetime: str("SESSION_MAX_LIFETIME") === null ? null : int("SESSION_MAX_LIFETIME", 0, 300, 365 * 86_400),
    logLevel: oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    smtpUrl: url("SMTP_URL", ["smtp:", "smtps:"]),
    trustProxy: parseTrustProxy(str("TRUST_PROXY"), problems),
    limitAccountFailures: int("LIMIT_ACCOUNT_FAILURES", 5, 1, 1000),
    limitIpFailures: int("LIMIT_IP_FAILURES", 50, 1, 100_000),
    limitRegistrations: int("LIMIT_REGISTRATIONS", 5, 1, 100_000),
    production,
    issuer: publicUrl,
    audience: publicUrl,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** proxy-addr's names, single addresses and CIDRs (Fastify's `trustProxy`), or a hop count. */
const PROXY_NAMES = ["loopback", "linklocal", "uniquelocal"];
function parseTrustProxy(raw: string | null, problems: string[]): false | number | string[] {
  if (raw === null) return false;
  if (/^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 10) return Number(raw);
  const entries = raw.split(",").map((e) => e.trim()).filter(Boolean);
  const valid = (e: string) => {
    if (PROXY_NAMES.includes(e)) return true;
    const [address = "", prefix, ...rest] = e.split("/");
    const family = isIP(address);
    if (!family || rest.length > 0) return false;
    return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  };
  if (entries.length === 0 || !entries.every(valid)) {
    problems.push("TRUST_PROXY: must be a hop count from 1 to 10, or comma-separated addresses/CIDRs of your load balancers (or loopback, linklocal, uniquelocal)");
    return false;
  }
  return entries;
}

function parseSecretKeys(raw: string | null, problems: string[]): Buffer[] | null {
  if (raw === null) return null;
  const keys = raw.split(",").map((part) => Buffer.from(part.trim(), "base64"));
  if (keys.some((k) => k.length !== 32)) {
    problems.push("GATEHOUSE_SECRET_KEY: must be 32 bytes in base64 (comma-separate older keys to keep decrypting with them)");
    return null;
  }
  return keys;
}

/**
 * An IPv4 or IPv6 literal, or a host name (RFC 1123 labels). Dotted digits that are no
 * IPv4 address (999.1.1.1) are refused here: as a "name" they failed only at listen,
 * after the database had opened and migrated.
 */
export function isListenHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  if (/^[\d.]+$/.test(host)) return false;
  return host.length <= 253 && host.split(".").every((label) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(label));
}
