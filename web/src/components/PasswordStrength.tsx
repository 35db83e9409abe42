import { useDeferredValue, useEffect, useMemo, useState } from "react";
import type { StrengthEstimate } from "../strength";

type Estimator = (password: string, userInputs: readonly string[]) => StrengthEstimate;

/** zxcvbn's scores 0–4 in words. */
const STRENGTH_LABELS = ["very weak", "weak", "fair", "strong", "very strong"] as const;

let loaded: Estimator | null = null;
let loading: Promise<Estimator> | null = null;

/** One fetch of the estimator's chunk for the whole page; a failed fetch may be tried again by the next field. */
function loadEstimator(): Promise<Estimator> {
  loading ??= import("../strength").then(
    (m) => {
      loaded = m.estimateStrength;
      return loaded;
    },
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}

/**
 * How strong `password` looks to zxcvbn, or null while it is empty or the estimator is
 * still loading. The chunk is requested when the field mounts, so it is usually there
 * before the first keystroke. The estimate runs on a deferred copy of the value: typing
 * stays responsive, and the meter follows a moment later.
 */
export function usePasswordStrength(password: string, userInputs: readonly string[] = []): StrengthEstimate | null {
  const [estimate, setEstimate] = useState<Estimator | null>(() => loaded);
  useEffect(() => {
    if (estimate) return;
    let live = true;
    // Advisory only: without the chunk (offline, blocked) the field works as before, with no meter.
    loadEstimator().then(
      (fn) => live && setEstimate(() => fn),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [estimate]);
  const deferred = useDeferredValue(password);
  const inputsKey = userInputs.join("\n");
  const result = useMemo(() => (estimate && deferred ? estimate(deferred, inputsKey.split("\n")) : null), [estimate, deferred, inputsKey]);
  // Checked on the live value so that clearing the field hides the meter at once.
  return password ? result : null;
}

/**
 * The meter under a new-password field: a bar and its level in words, and zxcvbn's
 * reason when it has one. Advisory: the organization's rules (the checklist) and the
 * server decide what is accepted. Like the checklist it is not a live region, which
 * would speak at every change: the field's aria-describedby lists its sentences
 * (strengthDescribedBy), not the bar, which would add a bare number to the description.
 */
export function PasswordStrength({ id, strength }: { id: string; strength: StrengthEstimate }) {
  return (
    <div className="strength" data-score={strength.score}>
      {/* Levels 1–5 rather than the score 0–4, so that "very weak" still shows a sliver of bar. */}
      <meter min={0} max={5} low={2.5} high={3.5} optimum={5} value={strength.score + 1} aria-labelledby={`${id}-label`} />
      <p id={`${id}-label`} className="strength-label">
        Strength: {STRENGTH_LABELS[strength.score]}
      </p>
      {strength.warning && (
        <p id={`${id}-warning`} className="strength-warning">
          {strength.warning}
        </p>
      )}
    </div>
  );
}

/** The ids of the meter's sentences as shown now, for the field's aria-describedby. */
export function strengthDescribedBy(id: string, strength: StrengthEstimate | null): string[] {
  if (!strength) return [];
  return strength.warning ? [`${id}-label`, `${id}-warning`] : [`${id}-label`];
}
