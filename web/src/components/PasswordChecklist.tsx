import { useEffect, useState } from "react";
import { api, type PasswordPolicy } from "../api";

/** The organization's character rules, checked as the server does (docs/passwords.md: NFC, code points, Unicode classes). */
export function checkRules(password: string, policy: PasswordPolicy): { key: string; label: string; met: boolean }[] {
  const pw = password.normalize("NFC");
  const length = [...pw].length;
  const rules = [{ key: "MIN_LENGTH", label: `At least ${policy.minLength} characters`, met: length >= policy.minLength }];
  if (length > policy.maxLength) rules.push({ key: "MAX_LENGTH", label: `At most ${policy.maxLength} characters`, met: false });
  if (policy.requireUppercase) rules.push({ key: "REQUIRE_UPPERCASE", label: "An uppercase letter", met: /\p{Lu}/u.test(pw) });
  if (policy.requireLowercase) rules.push({ key: "REQUIRE_LOWERCASE", label: "A lowercase letter", met: /\p{Ll}/u.test(pw) });
  if (policy.requireDigit) rules.push({ key: "REQUIRE_DIGIT", label: "A digit", met: /\p{Nd}/u.test(pw) });
  if (policy.requireSpecialChar) {
    rules.push({ key: "REQUIRE_SPECIAL_CHAR", label: "A special character (not a letter, digit or space)", met: /[^\p{L}\p{N}\s]/u.test(pw) });
  }
  return rules;
}

/** The public policy of an organization (GET /organizations/:slug/password-policy), or null while unknown. */
export function usePasswordPolicy(slug: string | null | undefined): PasswordPolicy | null {
  const [policy, setPolicy] = useState<PasswordPolicy | null>(null);
  useEffect(() => {
    if (!slug) return;
    let live = true;
    api.passwordPolicy(slug).then(
      (p) => live && setPolicy(p),
      () => live && setPolicy(null),
    );
    return () => {
      live = false;
    };
  }, [slug]);
  return policy;
}

/**
 * A live checklist under a new-password field. Not a live region (it would speak at
 * every keystroke): the field points at it with aria-describedby, and each item
 * says in words whether it is met.
 */
export function PasswordChecklist({ id, policy, password }: { id: string; policy: PasswordPolicy | null; password: string }) {
  if (!policy) return null;
  const rules = checkRules(password, policy);
  return (
    <div id={id} className="checklist">
      <p className="checklist-title">The password needs:</p>
      <ul>
        {rules.map((r) => (
          <li key={r.key} className={r.met ? "met" : "unmet"} data-rule={r.key}>
            <span aria-hidden="true" className="mark">
              {r.met ? "✓" : "○"}
            </span>{" "}
            {r.label}
            <span className="visually-hidden">{r.met ? " (done)" : " (not yet)"}</span>
          </li>
        ))}
        <li className="note">Not a common password, and without your email name or the organization's slug.</li>
      </ul>
    </div>
  );
}

export function unmetRules(password: string, policy: PasswordPolicy | null): boolean {
  return policy ? checkRules(password, policy).some((r) => !r.met) : false;
}
