import { useEffect, useState } from "react";
import { api } from "../api";
import { checkRules, type PasswordPolicy } from "../rules";

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

export { unmetRules } from "../rules";
