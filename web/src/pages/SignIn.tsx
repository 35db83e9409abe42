import { useState } from "react";
import { api, errorCode, rememberedSlug, rememberSlug, type AuthUser, type LoginResponse } from "../api";
import { Field, FormAlert, Submit, useForm } from "../components/forms";
import { MfaEnrol } from "../components/MfaEnrol";
import { Page } from "../components/Page";
import { NewPasswordField, UNMET_RULES_MESSAGE, unmetRules, usePasswordPolicy } from "../components/PasswordChecklist";
import { RecoveryCodes } from "../components/RecoveryCodes";
import { Link } from "../router";
import { signupOpen } from "../server-meta";
import { useSession, type FlowStep } from "../session";

export function SignInPage() {
  const session = useSession();
  const [slug, setSlug] = useState(rememberedSlug);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const form = useForm();

  const onSubmit = form.submit(async () => {
    const fields: Record<string, string> = {};
    if (!slug.trim()) fields.organizationSlug = "Enter your organization's slug.";
    if (!email.trim()) fields.email = "Enter your email address.";
    if (!password) fields.password = "Enter your password.";
    if (Object.keys(fields).length) return form.fail({ fields });
    session.clearNotice();
    // Only the slug is remembered: never the email, never a token.
    rememberSlug(slug);
    const res = await api.login({ organizationSlug: slug.trim().toLowerCase(), email: email.trim(), password });
    session.advance(res, slug.trim().toLowerCase());
  });

  return (
    <Page title="Sign in" narrow>
      {session.notice && <p className="notice">{session.notice}</p>}
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack">
        <FormAlert message={form.errors.form} />
        <Field
          label="Organization"
          name="organizationSlug"
          hint="Its short name in links, e.g. acme-corp"
          autoComplete="organization"
          autoCapitalize="none"
          spellCheck={false}
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
          error={form.errors.fields.organizationSlug}
        />
        <Field label="Email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={form.errors.fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={form.errors.fields.password}
        />
        <Submit busy={form.busy}>Sign in</Submit>
      </form>
      <p className="links">
        <Link to="/forgot-password">Forgot your password?</Link>
        {signupOpen() && (
          <>
            {" · "}
            <Link to="/register">Register an organization</Link>
          </>
        )}
      </p>
    </Page>
  );
}

/** What the sign-in page says when an intermediate token (challenge, password change, setup) is no longer valid. */
export const STEP_EXPIRED_NOTICE = "That sign-in step has expired or was used up. Please sign in again.";

/** An intermediate token the API no longer accepts: expired, used, or spent by too many wrong codes. */
export function isStepExpired(err: unknown): boolean {
  return errorCode(err) === "UNAUTHORIZED";
}

/** Runs one call of a sign-in step: its answer continues the sign-in; a dead step token starts it over. */
async function continueWith(session: ReturnType<typeof useSession>, call: () => Promise<LoginResponse>): Promise<void> {
  let res: LoginResponse;
  try {
    res = await call();
  } catch (err) {
    if (isStepExpired(err)) return session.cancelFlow(STEP_EXPIRED_NOTICE);
    throw err;
  }
  session.advance(res);
}

/** Renders the sign-in step in progress (MFA code, expired password, MFA enrolment). */
export function FlowStepPage({ step }: { step: FlowStep }) {
  switch (step.kind) {
    case "mfa":
      return <MfaStep token={step.token} />;
    case "expired":
      return <ExpiredPasswordStep token={step.token} />;
    case "enrol":
      return <EnrolStep token={step.token} />;
  }
}

function MfaStep({ token }: { token: string }) {
  const session = useSession();
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState("");
  const form = useForm({
    codeFields: { INVALID_MFA_CODE: { field: "code", message: "That code is not valid. Check it and try again." } },
  });

  const onSubmit = form.submit(async () => {
    const value = recovery ? code.trim() : code.replace(/\s+/g, "");
    if (!recovery && !/^\d{6}$/.test(value)) return form.fail({ fields: { code: "Enter the 6-digit code from your authenticator app." } });
    if (recovery && value.length < 6) return form.fail({ fields: { code: "Enter one of your recovery codes." } });
    await continueWith(session, () => api.verifyMfa({ mfaChallengeToken: token, code: value }));
  });

  return (
    <Page title="Two-factor authentication" narrow>
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack">
        <FormAlert message={form.errors.form} />
        {recovery ? (
          <Field
            key="recovery"
            label="Recovery code"
            name="code"
            hint="Each recovery code works once."
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={form.errors.fields.code}
          />
        ) : (
          <Field
            key="totp"
            label="Authentication code"
            name="code"
            hint="The 6-digit code your authenticator app shows."
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={7}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={form.errors.fields.code}
          />
        )}
        <Submit busy={form.busy}>Verify</Submit>
      </form>
      <p className="links">
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setRecovery(!recovery);
            setCode("");
            form.clear();
          }}
        >
          {recovery ? "Use an authenticator code" : "Use a recovery code"}
        </button>{" "}
        ·{" "}
        <button type="button" className="link-button" onClick={() => session.cancelFlow()}>
          Back to sign-in
        </button>
      </p>
    </Page>
  );
}

function ExpiredPasswordStep({ token }: { token: string }) {
  const session = useSession();
  const policy = usePasswordPolicy(session.flowSlug);
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const form = useForm({ passwordField: "newPassword" });

  const onSubmit = form.submit(async () => {
    if (unmetRules(password, policy)) return form.fail({ fields: { newPassword: UNMET_RULES_MESSAGE } });
    if (password !== confirm) return form.fail({ fields: { confirm: "The two passwords do not match." } });
    await continueWith(session, () => api.changeExpiredPassword({ passwordChangeToken: token, newPassword: password }));
  });

  return (
    <Page title="Choose a new password" narrow intro={<p>Your password has expired or an administrator asked you to change it. Choose a new one to continue.</p>}>
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack">
        <FormAlert message={form.errors.form} />
        <NewPasswordField
          label="New password"
          name="newPassword"
          value={password}
          onChange={setPassword}
          policy={policy}
          error={form.errors.fields.newPassword}
          details={form.errors.details}
          userInputs={session.flowSlug ? [session.flowSlug] : []}
        />
        <Field
          label="Repeat the new password"
          name="confirm"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={form.errors.fields.confirm}
        />
        <Submit busy={form.busy}>Change password and continue</Submit>
      </form>
      <p className="links">
        <button type="button" className="link-button" onClick={() => session.cancelFlow()}>
          Back to sign-in
        </button>
      </p>
    </Page>
  );
}

function EnrolStep({ token }: { token: string }) {
  const session = useSession();
  const [codes, setCodes] = useState<{ recoveryCodes: string[]; accessToken?: string; user?: AuthUser } | null>(null);

  if (codes) {
    return (
      <Page title="Save your recovery codes" narrow>
        <RecoveryCodes
          codes={codes.recoveryCodes}
          onDone={() => {
            if (codes.accessToken && codes.user) session.signedIn(codes.accessToken, codes.user);
            else session.cancelFlow();
          }}
        />
      </Page>
    );
  }
  return (
    <Page
      title="Set up two-factor authentication"
      narrow
      intro={<p>Your organization requires two-factor authentication. Set up an authenticator app to finish signing in.</p>}
    >
      <MfaEnrol setupToken={token} onExpired={() => session.cancelFlow(STEP_EXPIRED_NOTICE)} onConfirmed={(r) => setCodes({ recoveryCodes: r.recoveryCodes, accessToken: r.accessToken, user: r.user })} />
      <p className="links">
        <button type="button" className="link-button" onClick={() => session.cancelFlow()}>
          Cancel and sign out
        </button>
      </p>
    </Page>
  );
}
