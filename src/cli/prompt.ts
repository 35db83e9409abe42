/** What the hidden prompt needs of a terminal: node's process.stdin on a TTY, or a test double. */
export interface PromptInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: "utf8"): unknown;
  on(event: "data", listener: (chunk: string) => void): unknown;
  off(event: "data", listener: (chunk: string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export class PromptCancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

/**
 * Reads one line without echoing it (a password): the terminal goes to raw mode,
 * so keys arrive one by one; Enter ends, Backspace erases, Ctrl-C / Ctrl-D cancel.
 */
export function readHidden(prompt: string, input: PromptInput, output: { write(s: string): unknown }): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = "";
    output.write(prompt);
    input.setRawMode?.(true);
    input.setEncoding("utf8");
    const finish = (err: Error | null) => {
      input.off("data", onData);
      input.setRawMode?.(false);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return finish(null);
        if (ch === "\u0003" || ch === "\u0004") return finish(new PromptCancelled());
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
    input.resume();
  });
}

/** Asks twice, so a typo does not become the password. */
export async function promptNewPassword(label: string, input: PromptInput, output: { write(s: string): unknown }): Promise<string> {
  for (let i = 0; i < 3; i++) {
    const first = await readHidden(`${label}: `, input, output);
    if (!first) {
      output.write("The password must not be empty.\n");
      continue;
    }
    const second = await readHidden(`Repeat ${label.toLowerCase()}: `, input, output);
    if (first === second) return first;
    output.write("The two entries differ; try again.\n");
  }
  throw new PromptCancelled();
}
