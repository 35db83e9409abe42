import { GatehouseError } from "./errors.js";

/** Parses a newline-delimited JSON answer line by line as it arrives (browsers and Node alike). */
export async function* readNdjson<T>(response: Response): AsyncGenerator<T> {
  const parse = (line: string): T => {
    try {
      return JSON.parse(line) as T;
    } catch (cause) {
      throw new GatehouseError({ status: response.status, code: "UNEXPECTED_RESPONSE", message: "Malformed NDJSON line", cause });
    }
  };
  if (!response.body) {
    for (const line of (await response.text()).split("\n")) if (line.trim()) yield parse(line);
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim()) yield parse(line);
      }
      if (done) break;
    }
    if (buffer.trim()) yield parse(buffer);
  } finally {
    // A consumer that stops early (break) cancels the download.
    await reader.cancel().catch(() => {});
  }
}
