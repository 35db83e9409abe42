import { useEffect, useId, useState, type ReactNode } from "react";
import { api } from "../api";
import { checkRules, type PasswordPolicy } from "../rules";
import { Field, RuleList } from "./forms";
import { PasswordStrength, strengthDescribedBy, usePasswordStrength } from "./PasswordStrength";

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

/** What a new-password field says when the checklist still has an unmet rule at submit. */
export const UNMET_RULES_MESSAGE = "The password does not meet every rule below yet.";

/**
 * A new-password input with zxcvbn's strength meter under it (once something is typed), the
 * organization's live checklist (once its policy is known) and, after a refusal, the API's
 * broken rules: the registration, sign-in, invitation, reset and account forms all choose a
 * new password this way. The meter only advises; the checklist and the server decide.
 */
export function NewPasswordField(props: {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  policy: PasswordPolicy | null;
  error: string | undefined;
  details: { rule: string; message: string }[];
  hint?: ReactNode;
  /** What the form knows of the person (email, organization): the meter rates a password containing them lower. */
  userInputs?: readonly string[];
}) {
  const checklistId = useId();
  const strengthId = useId();
  const strength = usePasswordStrength(props.value, props.userInputs);
  const describedBy = [...strengthDescribedBy(strengthId, strength), ...(props.policy ? [checklistId] : [])].join(" ");
  return (
    <Field
      label={props.label}
      name={props.name}
      type="password"
      autoComplete="new-password"
      hint={props.hint}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      error={props.error}
      describedBy={describedBy || undefined}
      extra={
        <>
          <RuleList details={props.details} />
          {strength && <PasswordStrength id={strengthId} strength={strength} />}
          <PasswordChecklist id={checklistId} policy={props.policy} password={props.value} />
        </>
      }
    />
  );
}
