/**
 * The password strength estimate behind the meter under new-password fields (OWASP ASVS
 * 4.0.3 2.1.8). Only ever loaded with import(): zxcvbn's dictionaries are several times
 * the size of the rest of the console, so Vite puts this module and them in a chunk of
 * their own, fetched when a new-password field first appears.
 *
 * The dictionary is the one the server checks COMMON_PASSWORD against
 * (@zxcvbn-ts/language-common); only the English feedback sentences come from
 * @zxcvbn-ts/language-en, whose word lists are left out of the chunk.
 */
import { ZxcvbnFactory, type Score } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";
import { translations } from "@zxcvbn-ts/language-en";

export interface StrengthEstimate {
  /** zxcvbn's 0–4: estimated guesses under 10^3, 10^6, 10^8, 10^10, and beyond. */
  score: Score;
  /** Why it is weak, in a sentence ("This is similar to a commonly used password."), when zxcvbn has a reason. */
  warning: string | null;
}

// Built on first use: ranking the dictionaries takes tens of milliseconds, too long for module load.
let factory: ZxcvbnFactory | null = null;

/** The name of an email address counts on its own: people put "ada" in passwords, not "ada@acme.test". */
function expandInputs(userInputs: readonly string[]): string[] {
  return userInputs.flatMap((v) => {
    const value = v.trim().toLowerCase();
    if (!value) return [];
    const at = value.indexOf("@");
    return at > 0 ? [value, value.slice(0, at)] : [value];
  });
}

export function estimateStrength(password: string, userInputs: readonly string[] = []): StrengthEstimate {
  factory ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, translations });
  const result = factory.check(password, expandInputs(userInputs));
  return { score: result.score, warning: result.feedback.warning || null };
}
