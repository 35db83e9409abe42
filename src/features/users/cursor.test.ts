import { test } from "node:test";
import assert from "node:assert/strict";
import { AppError } from "../../http/errors.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

test("a cursor round-trips with microsecond precision", () => {
  const c = { createdAt: "2026-01-20T11:30:00.123456Z", id: "770e8400-e29b-41d4-a716-446655440004" };
  const raw = encodeCursor(c);
  assert.match(raw, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(raw), c);
});

test("anything else is a 400 VALIDATION_ERROR, never a database error", () => {
  const bad = [
    "x",
    Buffer.from("{}").toString("base64url"),
    Buffer.from(JSON.stringify(["2026-01-20", "770e8400-e29b-41d4-a716-446655440004"])).toString("base64url"),
    Buffer.from(JSON.stringify(["2026-01-20T11:30:00.123456Z", "not-a-uuid"])).toString("base64url"),
    Buffer.from(JSON.stringify(["2026-01-20T11:30:00.123456Z", "x'); drop table users; --"])).toString("base64url"),
  ];
  for (const raw of bad) {
    assert.throws(() => decodeCursor(raw), (e: unknown) => e instanceof AppError && e.code === "VALIDATION_ERROR");
  }
});
