/**
 * Builds the console into dist/web when it is missing or its sources changed.
 *
 *   node --import tsx web/build.ts           build if missing or stale (npm start's prestart)
 *   node --import tsx web/build.ts --force   always build (npm run build:web)
 *
 * A fingerprint of web/ and sdk/ (which the console bundles) and of the versions of
 * Vite, React and zxcvbn (the strength meter) is kept in dist/web/.fingerprint, so
 * repeated runs (every `npm start`, every browser test file) cost a directory walk,
 * not a build. The build goes to a temporary directory and is moved into place
 * under a lock directory, so two processes never serve or build a half-written
 * console.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const WEB_DIR = fileURLToPath(new URL(".", import.meta.url));
const REPO_DIR = join(WEB_DIR, "..");
/** What the console is built from: its own sources and the SDK its api.ts adapts. */
const SOURCE_DIRS = [WEB_DIR, join(REPO_DIR, "sdk")];
export const CONSOLE_OUT_DIR = join(REPO_DIR, "dist", "web");
const FINGERPRINT_FILE = ".fingerprint";
const LOCK_STALE_MS = 5 * 60_000;
/** The toolchain and the packages bundled into the console: a new version of any of them means a new build. */
const BUNDLED_PACKAGES = ["vite", "react", "react-dom", "@zxcvbn-ts/core", "@zxcvbn-ts/language-common", "@zxcvbn-ts/language-en"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_DIR, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "missing";
  }
}

/** What the build depends on: every file under web/ and sdk/, and the bundled packages' versions. */
export function sourceFingerprint(): string {
  const hash = createHash("sha256");
  for (const file of SOURCE_DIRS.flatMap(filesUnder).sort()) {
    hash.update(relative(REPO_DIR, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  for (const name of BUNDLED_PACKAGES) hash.update(`${name}@${packageVersion(name)}\0`);
  return hash.digest("hex");
}

export function consoleIsCurrent(outDir = CONSOLE_OUT_DIR): boolean {
  const stamp = join(outDir, FINGERPRINT_FILE);
  return existsSync(join(outDir, "index.html")) && existsSync(stamp) && readFileSync(stamp, "utf8") === sourceFingerprint();
}

async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // A lock left by a killed build must not block every later start.
      const held = statSync(lockDir, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(lockDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Builds unless current (or always with `force`); answers whether it built. */
export async function buildConsole(options: { force?: boolean; outDir?: string } = {}): Promise<boolean> {
  const outDir = options.outDir ?? CONSOLE_OUT_DIR;
  if (!options.force && consoleIsCurrent(outDir)) return false;
  mkdirSync(join(outDir, ".."), { recursive: true });
  return withLock(`${outDir}.lock`, async () => {
    if (!options.force && consoleIsCurrent(outDir)) return false; // another process built it meanwhile
    const fingerprint = sourceFingerprint();
    const tmpDir = `${outDir}.tmp-${process.pid}`;
    const { build } = await import("vite");
    await build({
      configFile: join(WEB_DIR, "vite.config.ts"),
      logLevel: "warn",
      build: { outDir: tmpDir, emptyOutDir: true },
    });
    writeFileSync(join(tmpDir, FINGERPRINT_FILE), fingerprint);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmpDir, outDir);
    return true;
  });
}

async function cli(args: string[]): Promise<number> {
  const force = args.includes("--force");
  if (!force && consoleIsCurrent()) return 0;
  try {
    await import("vite");
  } catch {
    // `npm ci --omit=dev` leaves out Vite: serve whatever build exists.
    console.warn(
      existsSync(join(CONSOLE_OUT_DIR, "index.html"))
        ? "warning: the web console's sources changed but Vite is not installed; serving the existing build"
        : "warning: the web console is not built and Vite is not installed (npm ci installs it); the API works without it",
    );
    return 0;
  }
  const started = Date.now();
  console.log("Building the web console into dist/web …");
  await buildConsole({ force });
  console.log(`Built the web console in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`error: building the web console failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
