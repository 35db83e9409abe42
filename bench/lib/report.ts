import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import type { LoadResult } from "./load.js";

export interface Row {
  section: string;
  name: string;
  result?: LoadResult;
  rssMiB?: number | null;
  /** What the ratio is measured against, e.g. "argon2id verifies 61.2/s". */
  floor?: string;
  ratio?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

/**
 * The CPU's name, with its family and model from /proc/cpuinfo: cloud guests all report
 * "AMD EPYC", while a Zen 5 host and an older one differ by half in argon2id verifies/s.
 */
function cpuName(): string {
  const name = cpus()[0]?.model ?? "unknown";
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const field = (key: string) => new RegExp(`^${key}\\s*:\\s*(\\S+)`, "m").exec(info)?.[1];
    const family = field("cpu family");
    const model = field("model");
    return family && model ? `${name} (family ${family}, model ${model})` : name;
  } catch {
    return name;
  }
}

export function machine() {
  return {
    cpu: cpuName(),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

const num = (n: number | undefined, digits = 0) => (n === undefined ? "" : n.toFixed(digits));

export function toTable(rows: Row[]): string[][] {
  return [
    ["section", "measure", "req/s", "p50 ms", "p99 ms", "RSS MiB", "against", "ratio", "target", ""],
    ...rows.map((r) => [
      r.section,
      r.name,
      num(r.result?.rps, 1),
      num(r.result?.p50, 2),
      num(r.result?.p99, 2),
      r.rssMiB == null ? "" : String(r.rssMiB),
      r.floor ?? "",
      r.ratio === undefined ? "" : r.ratio.toFixed(2),
      r.target ?? "",
      r.pass === undefined ? "" : r.pass ? "ok" : "MISSED",
    ]),
  ];
}

export function printTable(rows: Row[]): void {
  const table = toTable(rows);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const [i, row] of table.entries()) {
    console.log(row.map((cell, j) => cell.padEnd(widths[j]!)).join("  ").trimEnd());
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

export function markdown(rows: Row[], meta: Record<string, unknown>): string {
  const table = toTable(rows);
  const lines = [
    "# Latest benchmark figures",
    "",
    "Written by `npm run bench` (full run); the raw JSON of each run is in `bench/results/*.json` (not committed).",
    "",
    "```json",
    JSON.stringify(meta, null, 2),
    "```",
    "",
    `| ${table[0]!.join(" | ")} |`,
    `| ${table[0]!.map(() => "---").join(" | ")} |`,
    ...table.slice(1).map((row) => `| ${row.join(" | ")} |`),
    "",
  ];
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.section} / ${r.name}: ${r.note}`);
  if (notes.length) lines.push("Notes:", "", ...notes, "");
  return lines.join("\n");
}
