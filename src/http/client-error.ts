import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError } from "fastify";
import { errorTimestamp, isFlashbackPath } from "./error-handler.js";

/** The request line's path, from what the parser had read, so the answer can pick its dialect. */
const REQUEST_LINE = /^[A-Z]+ (\/[^ ?#]*)/;

/**
 * Node's HTTP parser refuses some requests before Fastify sees them: headers over its
 * 16 KiB limit (431), a malformed request (400), headers that never finish (408).
 * Fastify's own answer is its framework's body; this one is the contract's, in the
 * dialect of the path (DESIGN.md, Errors), and the connection is closed, as the
 * parser cannot read on from a broken request.
 */
export function answerClientError(err: ConnectionError, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed || !socket.writable) return;
  const [status, code, message] =
    err.code === "HPE_HEADER_OVERFLOW" ? [431, "HEADERS_TOO_LARGE", "Request headers are too large (limit 16 KiB)"]
    : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "REQUEST_TIMEOUT", "The request took too long to arrive"]
    : [400, "BAD_REQUEST", "Malformed HTTP request"];
  // Typed as a JSON'd Buffer; at run time it is the Buffer the parser failed on.
  const raw: unknown = err.rawPacket;
  const path = REQUEST_LINE.exec(Buffer.isBuffer(raw) ? raw.toString("latin1", 0, 2048) : "")?.[1] ?? "/";
  const body = JSON.stringify(
    isFlashbackPath(path) ? { success: false, error: message } : { timestamp: errorTimestamp(), status, error: code, message, path },
  );
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Cache-Control: no-store\r\nConnection: close\r\n\r\n" +
      body,
  );
}
