import { useEffect, useId, useRef, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from "react";
import { GatehouseError, errorCode } from "../api";

/** What a form shows after a failed submit: a message, per-field messages, broken password rules. */
export interface FormErrors {
  form: string | null;
  fields: Record<string, string>;
  details: { rule: string; message: string }[];
}

const NO_ERRORS: FormErrors = { form: null, fields: {}, details: [] };

export interface ErrorMapping {
  /** The field that PASSWORD_POLICY_VIOLATION details belong to. */
  passwordField?: string;
  /** Error codes that concern one field (e.g. INVALID_MFA_CODE → "code"), with the message to show there. */
  codeFields?: Record<string, { field: string; message?: string }>;
  /** Error codes whose message for the whole form is better said in the page's words (e.g. an expired link). */
  formMessages?: Record<string, string>;
  /**
   * The page's own sentence for a field the API names in `validationErrors`, where the API's
   * words are a rule ("is not a valid current code") better said to a person.
   */
  fieldMessages?: Record<string, string>;
}

export function retryMessage(seconds: number): string {
  const at = new Date(Date.now() + seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const span = seconds < 60 ? `${seconds} second${seconds === 1 ? "" : "s"}` : `${Math.ceil(seconds / 60)} minute${seconds <= 60 ? "" : "s"}`;
  return `Too many attempts. Try again in ${span} (at ${at}).`;
}

/** Turns any failure into what the form shows, the API's field names kept as keys. */
export function describeError(err: unknown, mapping: ErrorMapping = {}): FormErrors {
  // Status 0: the SDK's NETWORK_ERROR (fetch itself failed).
  if (!(err instanceof GatehouseError) || err.status === 0) {
    return { ...NO_ERRORS, form: "The server could not be reached. Check your connection and try again." };
  }
  if (err.status === 429) return { ...NO_ERRORS, form: retryMessage(err.retryAfterSeconds ?? 60) };
  // An answer that is not the API's error body (a proxy's page) has no code or message worth showing.
  const apiCode = errorCode(err);
  const code = apiCode ?? `HTTP_${err.status}`;
  const text = apiCode ? err.message : `The server answered ${err.status}`;
  const formMessage = mapping.formMessages?.[code];
  if (formMessage) return { ...NO_ERRORS, form: formMessage };
  const fields: Record<string, string> = {};
  for (const [key, message] of Object.entries(err.details.validationErrors ?? {})) {
    const field = key.replace(/^(querystring|params)\./, "");
    fields[field] = mapping.fieldMessages?.[field] ?? message;
  }
  const byCode = mapping.codeFields?.[code];
  if (byCode) fields[byCode.field] = byCode.message ?? text;
  let details: FormErrors["details"] = [];
  if (code === "PASSWORD_POLICY_VIOLATION" && mapping.passwordField) {
    details = err.details.violations ?? [];
    fields[mapping.passwordField] = "This password does not meet the organization's rules:";
  }
  const covered = Object.keys(fields).length > 0;
  return { form: covered ? null : text, fields, details };
}

const fieldSentence = ([field, message]: [string, string]) => `${field} ${message}`;

/** One sentence for places without fields (a list that failed to load, an action button). */
export function errorMessage(err: unknown): string {
  const e = describeError(err);
  return e.form ?? (Object.entries(e.fields).map(fieldSentence).join("; ") || "Something went wrong.");
}

/**
 * Field messages for names the form has no input for (an API field the page does
 * not show, such as a token or the whole body) go to the form's alert instead, so
 * no error is ever silent.
 */
function placeErrors(errors: FormErrors, form: HTMLFormElement | null): FormErrors {
  if (!form) return errors;
  const placed: Record<string, string> = {};
  const unplaced: [string, string][] = [];
  for (const [field, message] of Object.entries(errors.fields)) {
    if (form.querySelector(`[data-field="${CSS.escape(field)}"]`)) placed[field] = message;
    else unplaced.push([field, message]);
  }
  if (unplaced.length === 0) return errors;
  const extra = unplaced.map(fieldSentence).join("; ");
  return { ...errors, fields: placed, form: errors.form ? `${errors.form} ${extra}` : extra };
}

/**
 * Submit handling for one form: a busy flag, the errors, and focus moved to the
 * first field in error (or to the form's alert) so keyboard and screen-reader
 * users land where the problem is.
 */
export function useForm(mapping: ErrorMapping = {}) {
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (!shown) return;
    const form = formRef.current;
    const target = form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form?.querySelector<HTMLElement>(".form-alert");
    target?.focus();
  }, [shown]);

  const fail = (next: Partial<FormErrors>) => {
    setErrors(placeErrors({ ...NO_ERRORS, ...next }, formRef.current));
    setShown((n) => n + 1);
  };

  return {
    errors,
    busy,
    formRef,
    fail,
    clear: () => setErrors(NO_ERRORS),
    /** Runs `action` as the form's submit; its failure becomes the form's errors. */
    submit: (action: () => Promise<void>) => async (e?: FormEvent) => {
      e?.preventDefault();
      if (busy) return;
      setErrors(NO_ERRORS);
      setBusy(true);
      try {
        await action();
      } catch (err) {
        fail(describeError(err, mapping));
      } finally {
        setBusy(false);
      }
    },
  };
}

/** The form-level message: an alert region that exists before it has content, so it is announced. */
export function FormAlert({ message }: { message: string | null }) {
  return (
    <div className="form-alert" role="alert" tabIndex={-1}>
      {message}
    </div>
  );
}

/** A polite live region for outcomes ("Settings saved"). */
export function Status({ message }: { message: string | null }) {
  return (
    <p className="status" role="status">
      {message}
    </p>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "name"> & {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: ReactNode;
  /** Shown under the error (a password checklist, broken rules). */
  extra?: ReactNode;
  /** Element ids the input is also described by. */
  describedBy?: string;
};

/** A labelled input whose error is next to it and tied to it with aria-describedby. */
export function Field({ label, name, error, hint, extra, describedBy, className, ...input }: InputProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const described = [error ? errorId : null, hint ? hintId : null, describedBy ?? null].filter(Boolean).join(" ") || undefined;
  const isCheck = input.type === "checkbox";
  const isPassword = input.type === "password";
  // Seeing what one typed catches typos in long passphrases (OWASP ASVS 2.1.12); hidden by default.
  const [revealed, setRevealed] = useState(false);
  const inputElement = (
    <input id={id} name={name} aria-invalid={error ? true : undefined} aria-describedby={described} {...input} type={isPassword && revealed ? "text" : input.type} />
  );
  const control = isPassword ? (
    <div className="reveal">
      {inputElement}
      <button type="button" className="small" aria-controls={id} aria-pressed={revealed} onClick={() => setRevealed((r) => !r)}>
        Show
      </button>
    </div>
  ) : (
    inputElement
  );
  return (
    <div className={`field${isCheck ? " field-check" : ""}${error ? " has-error" : ""}${className ? ` ${className}` : ""}`} data-field={name}>
      {isCheck ? (
        <label htmlFor={id}>
          {control}
          <span>{label}</span>
        </label>
      ) : (
        <>
          <label htmlFor={id}>{label}</label>
          {control}
        </>
      )}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
      {extra}
    </div>
  );
}

/** The rules the server refused, listed under the password field. */
export function RuleList({ details }: { details: { rule: string; message: string }[] }) {
  if (details.length === 0) return null;
  return (
    <ul className="rule-errors">
      {details.map((d) => (
        <li key={d.rule}>{d.message}</li>
      ))}
    </ul>
  );
}

export function Submit({ busy, children, className }: { busy: boolean; children: ReactNode; className?: string }) {
  return (
    <button type="submit" className={className ?? "primary"} disabled={busy} aria-busy={busy || undefined}>
      {busy ? "Please wait…" : children}
    </button>
  );
}
