import { useState } from "react";
import { Status } from "./forms";

/** Saves text as a file without a server round trip (a blob: URL; no inline script involved). */
export function downloadText(filename: string, text: string | Blob, type = "text/plain"): void {
  const blob = typeof text === "string" ? new Blob([text], { type }) : text;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The eight recovery codes, shown once: copy, download, and an explicit
 * "I saved them" before the user may go on.
 */
export function RecoveryCodes({ codes, onDone, doneLabel = "Continue" }: { codes: string[]; onDone: () => void; doneLabel?: string }) {
  const [saved, setSaved] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const text = `Gatehouse recovery codes (each works once)\n\n${codes.join("\n")}\n`;
  return (
    <section className="recovery" aria-labelledby="recovery-title">
      <h2 id="recovery-title">Your recovery codes</h2>
      <p>
        Each code signs you in once if you lose your authenticator. They are shown <strong>only now</strong>: store them
        somewhere safe, such as a password manager.
      </p>
      <ul className="codes" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div className="row">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(codes.join("\n")).then(
              () => setStatus("Recovery codes copied to the clipboard."),
              () => setStatus("Copying failed: select the codes and copy them by hand."),
            )
          }
        >
          Copy codes
        </button>
        <button
          type="button"
          onClick={() => {
            downloadText("gatehouse-recovery-codes.txt", text);
            setStatus("Recovery codes downloaded.");
          }}
        >
          Download codes
        </button>
      </div>
      <Status message={status} />
      <div className="field field-check">
        <label>
          <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />
          <span>I saved my recovery codes</span>
        </label>
      </div>
      <button type="button" className="primary" disabled={!saved} onClick={onDone}>
        {doneLabel}
      </button>
    </section>
  );
}
