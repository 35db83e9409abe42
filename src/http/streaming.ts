import { Readable } from "node:stream";

/** Items are written in chunks of about this size rather than one write each. */
const CHUNK_BYTES = 64 * 1024;

async function* chunked(parts: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = "";
  for await (const part of parts) {
    buffer += part;
    if (buffer.length >= CHUNK_BYTES) {
      yield buffer;
      buffer = "";
    }
  }
  if (buffer) yield buffer;
}

/**
 * A JSON array written as its items arrive. Readable.from pulls the generator only
 * as fast as the client reads, so memory holds one page however long the list.
 * Items must already be in their public shape (they bypass the response schema).
 */
export function jsonArrayStream(items: AsyncIterable<unknown>): Readable {
  async function* parts() {
    yield "[";
    let first = true;
    for await (const item of items) {
      yield (first ? "" : ",") + JSON.stringify(item);
      first = false;
    }
    yield "]";
  }
  return Readable.from(chunked(parts()), { objectMode: false });
}

/** Newline-delimited JSON (one object per line), streamed the same way. */
export function ndjsonStream(items: AsyncIterable<unknown>): Readable {
  async function* parts() {
    for await (const item of items) yield JSON.stringify(item) + "\n";
  }
  return Readable.from(chunked(parts()), { objectMode: false });
}
