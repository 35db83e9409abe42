import { useCallback, useEffect, useState } from "react";
import { api, errorCode, type Me, type OwnSession } from "../api";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Field, FormAlert, Status, Submit, errorMessage, useForm } from "../components/forms";
import { MfaEnrol } from "../components/MfaEnrol";
import { Card, Page } from "../components/Page";
import { NewPasswordField, unmetRules, usePasswordPolicy } from "../components/PasswordChecklist";
import { RecoveryCodes } from "../components/RecoveryCodes";
import { useSession } from "../session";
import { formatDate, describeDevice } from "../format";

export function AccountPage() {
  const session = useSession();
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Bumped when something here ends other sessions (a password change), so the list is read again.
  const [sessionsVersion, setSessionsVersion] = useState(0);

  const reload = useCallback(() => {
    api.me().then(
      (m) => {
        setMe(m);
        session.setUser(m);
      },
      (err: unknown) => setError(errorMessage(err)),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(reload, [reload]);

  return (
    <Page title="My account">
      {session.passwordExpiresAt && (
        <p className="notice">Your password expires on {formatDate(session.passwordExpiresAt)}. Change it below before then.</p>
      )}
      <FormAlert message={error} />
      {me && (
        <div className="grid">
          <Profile me={me} />
          <ChangePassword me={me} onChanged={() => setSessionsVersion((v) => v + 1)} />
          <TwoFactor me={me} onChange={reload} />
          <Sessions version={sessionsVersion} />
        </div>
      )}
    </Page>
  );
}

function Profile({ me }: { me: Me }) {
  return (
    <Card title="Profile" id="profile">
      <dl className="facts">
        <dt>Name</dt>
        <dd>{me.name ?? "—"}</dd>
        <dt>Email</dt>
        <dd>{me.email}</dd>
        <dt>Organization</dt>
        <dd>
          {me.organizationName} <span className="muted">({me.organizationSlug})</span>
        </dd>
        <dt>Role</dt>
        <dd>{me.isOrgAdmin ? "Administrator" : "Member"}</dd>
        <dt>Two-factor authentication</dt>
        <dd>{me.mfaEnabled ? "On" : "Off"}</dd>
      </dl>
    </Card>
  );
}

function ChangePassword({ me, onChanged }: { me: Me; onChanged: () => void }) {
  const policy = usePasswordPolicy(me.organizationSlug);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const form = useForm({
    passwordField: "newPassword",
    codeFields: { INVALID_CREDENTIALS: { field: "currentPassword", message: "The current password is not correct." } },
  });

  const onSubmit = form.submit(async () => {
    setDone(null);
    const fields: Record<string, string> = {};
    if (!current) fields.currentPassword = "Enter your current password.";
    if (unmetRules(next, policy) || !next) fields.newPassword = "The new password does not meet every rule below yet.";
    else if (next !== confirm) fields.confirm = "The two passwords do not match.";
    if (Object.keys(fields).length) return form.fail({ fields });
    await api.changePassword({ currentPassword: current, newPassword: next });
    setCurrent("");
    setNext("");
    setConfirm("");
    setDone("Password changed. Your other sessions were signed out.");
    onChanged();
  });

  return (
    <Card title="Change password" id="password">
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack">
        <FormAlert message={form.errors.form} />
        <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} error={form.errors.fields.currentPassword} />
        <NewPasswordField
          label="New password"
          name="newPassword"
          value={next}
          onChange={setNext}
          policy={policy}
          error={form.errors.fields.newPassword}
          details={form.errors.details}
          userInputs={[me.email, me.organizationSlug, me.organizationName]}
        />
        <Field label="Repeat the new password" name="confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={form.errors.fields.confirm} />
        <Submit busy={form.busy}>Change password</Submit>
        <Status message={done} />
      </form>
    </Card>
  );
}

function TwoFactor({ me, onChange }: { me: Me; onChange: () => void }) {
  const [mode, setMode] = useState<"idle" | "enrol" | "codes">("idle");
  const [codes, setCodes] = useState<string[]>([]);
  const [confirmRegen, setConfirmRegen] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const wrongCode = { fieldMessages: { code: "That code is not valid, or was already used. Enter the current code from your app." } };
  const disable = useForm(wrongCode);
  const regen = useForm(wrongCode);
  // Regenerating needs a recent MFA sign-in; past that window the server asks for a current code.
  const [regenNeedsCode, setRegenNeedsCode] = useState(false);
  const [regenCode, setRegenCode] = useState("");

  if (mode === "enrol") {
    return (
      <Card title="Set up two-factor authentication" id="mfa">
        <MfaEnrol
          onConfirmed={(r) => {
            setCodes(r.recoveryCodes);
            setMode("codes");
          }}
        />
        <button type="button" className="link-button" onClick={() => setMode("idle")}>
          Cancel
        </button>
      </Card>
    );
  }
  if (mode === "codes") {
    return (
      <Card title="Two-factor authentication" id="mfa">
        <RecoveryCodes
          codes={codes}
          doneLabel="Done"
          onDone={() => {
            setMode("idle");
            setStatus("Two-factor authentication is on and your recovery codes are saved.");
            onChange();
          }}
        />
      </Card>
    );
  }

  const onDisable = disable.submit(async () => {
    if (!/^\d{6}$/.test(code.trim())) return disable.fail({ fields: { code: "Enter the 6-digit code from your app." } });
    await api.mfaDisable(code.trim());
    setCode("");
    setStatus("Two-factor authentication is off.");
    onChange();
  });

  return (
    <Card title="Two-factor authentication" id="mfa">
      <Status message={status} />
      {!me.mfaEnabled ? (
        <>
          <p>
            Two-factor authentication is <strong>off</strong>.
            {me.organizationMfaRequired ? " Your organization requires it: you will be asked to set it up at your next sign-in." : " Add an authenticator app to protect your account."}
          </p>
          <button type="button" className="primary" onClick={() => setMode("enrol")}>
            Set up two-factor authentication
          </button>
        </>
      ) : (
        <>
          <p>
            Two-factor authentication is <strong>on</strong>.
          </p>
          <form
            ref={regen.formRef}
            onSubmit={(e) => {
              e.preventDefault();
              if (regenNeedsCode && !/^\d{6}$/.test(regenCode.trim())) return regen.fail({ fields: { code: "Enter the 6-digit code from your app." } });
              setConfirmRegen(true);
            }}
            noValidate
            className="stack"
          >
            <FormAlert message={regen.errors.form} />
            {regenNeedsCode && (
              <Field label="Current code from your app" name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={7} value={regenCode} onChange={(e) => setRegenCode(e.target.value)} error={regen.errors.fields.code} />
            )}
            <button type="submit">Regenerate recovery codes</button>
          </form>
          <ConfirmDialog
            open={confirmRegen}
            title="Regenerate recovery codes?"
            confirmLabel="Regenerate"
            busy={regen.busy}
            onCancel={() => setConfirmRegen(false)}
            onConfirm={() =>
              void regen.submit(async () => {
                setConfirmRegen(false);
                try {
                  const r = await api.regenerateRecoveryCodes(regenNeedsCode ? regenCode.trim() : undefined);
                  setRegenCode("");
                  setRegenNeedsCode(false);
                  setCodes(r.recoveryCodes);
                  setMode("codes");
                } catch (err) {
                  if (regenNeedsCode || errorCode(err) !== "FORBIDDEN") throw err;
                  setRegenNeedsCode(true);
                  regen.fail({ form: "To confirm it is you, enter a current code from your authenticator app, then regenerate." });
                }
              })()
            }
          >
            <p>Your current recovery codes stop working at once; you will get eight new ones to save.</p>
          </ConfirmDialog>
          {me.organizationMfaRequired ? (
            <p className="muted" data-testid="mfa-disable-explained">
              Your organization requires two-factor authentication, so it cannot be turned off. If you lose your authenticator, sign in with a
              recovery code or ask an administrator to reset it.
            </p>
          ) : (
            <form ref={disable.formRef} onSubmit={onDisable} noValidate className="stack">
              <h3>Turn off</h3>
              <FormAlert message={disable.errors.form} />
              <Field label="Current code from your app" name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={7} value={code} onChange={(e) => setCode(e.target.value)} error={disable.errors.fields.code} />
              <Submit busy={disable.busy} className="danger">
                Turn off two-factor authentication
              </Submit>
            </form>
          )}
        </>
      )}
    </Card>
  );
}

function Sessions({ version }: { version: number }) {
  const session = useSession();
  const [list, setList] = useState<OwnSession[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.sessions().then(setList, (err: unknown) => setError(errorMessage(err)));
  }, []);
  useEffect(load, [load, version]);

  const revoke = async (s: OwnSession) => {
    setError(null);
    try {
      await api.revokeSession(s.id);
      if (s.current) return void session.signOut("You signed out of this device.");
      // Drop it from the list in the same render as the message, so the two never disagree.
      setList((current) => current?.filter((other) => other.id !== s.id) ?? current);
      setStatus("Session ended.");
      load();
    } catch (err) {
      if (errorCode(err) === "NOT_FOUND") {
        // Ended meanwhile (elsewhere, or by a password change): say so in words and show what is left.
        setList((current) => current?.filter((other) => other.id !== s.id) ?? current);
        setStatus("That session had already ended.");
        load();
        return;
      }
      setError(errorMessage(err));
    }
  };

  const [endingOthers, setEndingOthers] = useState(false);
  const endOthers = async () => {
    if (!list) return;
    setError(null);
    setStatus(null);
    setEndingOthers(true);
    try {
      const others = list.filter((s) => !s.current);
      // One call each; a session that ended meanwhile (404) is as good as ended here.
      const results = await Promise.allSettled(others.map((s) => api.revokeSession(s.id)));
      const failed = results.filter((r) => r.status === "rejected" && errorCode(r.reason) !== "NOT_FOUND");
      if (failed.length > 0) setError(errorMessage((failed[0] as PromiseRejectedResult).reason));
      else setStatus(`Signed out of ${others.length} other session${others.length === 1 ? "" : "s"}.`);
      load();
    } finally {
      setEndingOthers(false);
    }
  };

  return (
    <Card title="My sessions" id="sessions">
      <FormAlert message={error} />
      <Status message={status} />
      {list === null ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <ul className="list">
          {list.map((s) => (
            <li key={s.id} className="list-item">
              <div>
                <strong>{describeDevice(s.userAgent)}</strong> {s.current && <span className="badge ok">This device</span>}
                <div className="muted small">
                  {s.ipAddress ?? "unknown address"} · signed in {formatDate(s.createdAt)} · last active {formatDate(s.lastUsedAt)}
                </div>
              </div>
              <button type="button" className="small" onClick={() => void revoke(s)} aria-label={`${s.current ? "Sign out here" : "End session"}: ${describeDevice(s.userAgent)}, signed in ${formatDate(s.createdAt)}`}>
                {s.current ? "Sign out here" : "End session"}
              </button>
            </li>
          ))}
        </ul>
      )}
      {list && list.filter((s) => !s.current).length > 1 && (
        <button type="button" onClick={() => void endOthers()} disabled={endingOthers}>
          Sign out all other sessions
        </button>
      )}
    </Card>
  );
}
