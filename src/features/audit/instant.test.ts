import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInstant } from "./instant.js";

test("RFC 3339 date-times, with or without offset, and bare dates are read as instants", () => {
  const cases: Array<[string, string]> = [
    ["2026-02-18T10:30:00Z", "2026-02-18T10:30:00.000Z"],
    ["2026-02-18T10:30:00.123456Z", "2026-02-18T10:30:00.123Z"],
    ["2026-02-18T12:30:00+02:00", "2026-02-18T10:30:00.000Z"],
    ["2026-02-18T12:30:00 02:00", "2026-02-18T10:30:00.000Z"],
    ["2026-02-18T05:30:00-0500", "2026-02-18T10:30:00.000Z"],
    ["2026-02-18T10:30:00", "2026-02-18T10:30:00.000Z"],
    ["2026-02-18T10:30", "2026-02-18T10:30:00.000Z"],
    ["2026-02-18", "2026-02-18T00:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
  ];
  for (const [raw, iso] of cases) assert.equal(parseInstant(raw)?.toISOString(), iso, raw);
});

test("anything else is refused rather than guessed", () => {
  for (const raw of ["", "yesterday", "2026-13-01", "2026-02-30", "2025-02-29", "2026-02-18T24:00:00Z", "2026-02-18T10:60Z", "1700000000", "2026-02-18T10:30:00+02"]) {
    assert.equal(parseInstant(raw), null, raw);
  }
});
