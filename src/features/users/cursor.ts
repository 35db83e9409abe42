import { AppError } from "../../http/errors.js";

/**
 * Keyset position in the member list: the last row's `created_at` at PostgreSQL's
 * full microsecond precision (a JS Date would round it to milliseconds, and rows
 * within the same millisecond would then repeat or vanish between pages) and its id.
 */
export interface MemberCursor {
  createdAt: string;
  id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to clients: base64url of a small JSON array, so the format may change. */
export function encodeCursor(cursor: MemberCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), "utf8").toString("base64url");
}

export function decodeCursor(raw: string): MemberCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    parsed = null;
  }
  if (Array.isArray(parsed) && parsed.length === 2) {
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt === "string" && TIMESTAMP.test(createdAt) && typeof id === "string" && UUID.test(id)) {
      return { createdAt, id };
    }
  }
  throw new AppError("VALIDATION_ERROR", "querystring.cursor is not a cursor this server issued", {
    validationErrors: { "querystring.cursor": "is not a cursor this server issued" },
  });
}
