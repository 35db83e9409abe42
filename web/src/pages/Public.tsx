import { useEffect, useState } from "react";
import { api, rememberedSlug, rememberSlug } from "../api";
import { Field, FormAlert, Status, Submit, useForm } from "../components/forms";
import { Page } from "../components/Page";
import { NewPasswordField, UNMET_RULES_MESSAGE, unmetRules, usePasswordPolicy } from "../components/PasswordChecklist";
import { Link } from "../router";
import { SLUG_RE } from "../rules";
import { signupOpen } from "../server-meta";
import { useSession } from "../session";

/**
 * The token of a mailed link (?token=…), taken out of the address bar at once so
 * it stays out of the history and of anything that reads location later.
 */
function useLinkToken(query: URLSearchParams): string | null {
  const [token] = useState(() => query.get("token"));
  useEffect(() => {
    if (token) history.replaceState(null, "", location.pathname);
  }, [token]);
  return token;
}

/**
 * The organization a mailed link names (?org=slug), only to show its password rules while
 * the person types: the server checks the password against the token's own organization.
 */
function useLinkOrganization(query: URLSearchParams): string | null {
  const [slug] = useState(() => {
    const org = query.get("org")?.toLowerCase() ?? "";
    return SLUG_RE.test(org) ? org : null;
  });
  return slug;
}

export function RegisterPage() {
  if (!signupOpen()) return <SignupClosed />;
  return <RegisterForm />;
}

function SignupClosed() {
  return (
    <Page title="Registration is closed" narrow>
      <p className="notice" data-testid="signup-closed">
        This server does not take new organizations from the web. Ask its operator to create yours, or ask an administrator of your
        organization to invite you.
      </p>
      <p className="links">
        <Link to="/sign-in">Go to sign-in</Link>
      </p>
    </Page>
  );
}

function RegisterForm() {
  const session = useSession();
  const [organizationName, setOrganizationName] = useState("");
  const [organizationSlug, setOrganizationSlug] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  // A taken slug (derived or typed), registration's one state error, is the slug field's problem: the person picks another there.
  const form = useForm({ passwordField: "password", codeFields: { BAD_REQUEST: { field: "organizationSlug" } } });

  const onSubmit = form.submit(async () => {
    const fields: Record<string, string> = {};
    if (!organizationName.trim()) fields.organizationName = "Enter the organization's name.";
    if (!email.trim()) fields.email = "Enter your email address.";
    if (!password) fields.password = "Choose a password.";
    if (Object.keys(fields).length) return form.fail({ fields });
    const res = await api.register({
      organizationName: organizationName.trim(),
      email: email.trim(),
      password,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(organizationSlug.trim() ? { organizationSlug: organizationSlug.trim() } : {}),
    });
    rememberSlug(res.user.organizationSlug);
    session.signedIn(res.accessToken, res.user);
  });

  return (
    <Page title="Register an organization" narrow intro={<p>Create an organization and become its first administrator.</p>}>
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack">
        <FormAlert message={form.errors.form} />
        <Field label="Organization name" name="organizationName" autoComplete="organization" value={organizationName} onChange={(e) => setOrganizationName(e.target.value)} error={form.errors.fields.organizationName} />
        <Field
          label="Organization slug (optional)"
          name="organizationSlug"
          hint="Lowercase letters, digits and hyphens; derived from the name when empty. Members type it to sign in."
          autoCapitalize="none"
          spellCheck={false}
          value={organizationSlug}
          onChange={(e) => setOrganizationSlug(e.target.value)}
          error={form.errors.fields.organizationSlug}
        />
        <Field label="Your name (optional)" name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={form.errors.fields.name} />
        <Field label="Your email" name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={form.errors.fields.email} />
        {/* No organization yet, so no policy to check against: the hint states the default rules. */}
        <NewPasswordField
          label="Password"
          name="password"
          hint="At least 8 characters with upper- and lowercase letters and a digit (the default rules); not a common password."
          value={password}
          onChange={setPassword}
          policy={null}
          error={form.errors.fields.password}
          details={form.errors.details}
          userInputs={[email, organizationName, organizationSlug, name]}
        />
        <Submit busy={form.busy}>Create organization</Submit>
      </form>
      <p className="links">
        Already registered? <Link to="/sign-in">Sign in</Link>
      </p>
    </Page>
  );
}

export function ForgotPasswordPage() {
  const [slug, setSlug] = useState(rememberedSlug);
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const form = useForm();

  const onSubmit = form.submit(async () => {
    const fields: Record<string, string> = {};
    if (!slug.trim()) fields.organizationSlug = "Enter your organization's slug.";
    if (!email.trim()) fields.email = "Enter your email address.";
    if (Object.keys(fields).length) return form.fail({ fields });
    rememberSlug(slug);
    await api.forgotPassword({ organizationSlug: slug.trim().toLowerCase(), email: email.trim() });
    // The API answers the same whether or not the account exists; so does the page.
    setSent(`If ${email.trim()} has an account in ${slug.trim()}, a link to choose a new password is on its way. It works once, within an hour.`);
  });

  return (
    <Page title="Forgot your password?" narrow intro={<p>We will mail you a link to choose a new one.</p>}>
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack">
        <FormAlert message={form.errors.form} />
        <Field label="Organization" name="organizationSlug" autoCapitalize="none" spellCheck={false} value={slug} onChange={(e) => setSlug(e.target.value)} error={form.errors.fields.organizationSlug} />
        <Field label="Email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={form.errors.fields.email} />
        <Submit busy={form.busy}>Send the link</Submit>
      </form>
      <Status message={sent} />
      <p className="links">
        <Link to="/sign-in">Back to sign-in</Link>
      </p>
    </Page>
  );
}

/** New password + repeat, shared by the reset and invitation pages. */
function NewPasswordForm(props: {
  submitLabel: string;
  /** The organization the link names: its rules are shown as a live checklist. */
  organizationSlug: string | null;
  withName?: boolean;
  onSubmit: (password: string, name: string) => Promise<void>;
  invalidLinkMessage: string;
}) {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [name, setName] = useState("");
  const policy = usePasswordPolicy(props.organizationSlug);
  const form = useForm({ passwordField: "password", formMessages: { UNAUTHORIZED: props.invalidLinkMessage } });

  const onSubmit = form.submit(async () => {
    if (!password) return form.fail({ fields: { password: "Choose a password." } });
    if (unmetRules(password, policy)) return form.fail({ fields: { password: UNMET_RULES_MESSAGE } });
    if (password !== confirm) return form.fail({ fields: { confirm: "The two passwords do not match." } });
    await props.onSubmit(password, name.trim());
  });

  return (
    <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack">
      <FormAlert message={form.errors.form} />
      {props.withName && <Field label="Your name (optional)" name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={form.errors.fields.name} />}
      <NewPasswordField
        label="New password"
        name="password"
        hint="Your organization's rules apply; a common password, or one containing your email name, is refused."
        value={password}
        onChange={setPassword}
        policy={policy}
        error={form.errors.fields.password}
        details={form.errors.details}
        userInputs={props.organizationSlug ? [props.organizationSlug] : []}
      />
      <Field label="Repeat the password" name="confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={form.errors.fields.confirm} />
      <Submit busy={form.busy}>{props.submitLabel}</Submit>
    </form>
  );
}

/** A mailed link opened in a browser where someone is signed in: say whose session it replaces. */
function SignedInNotice({ action }: { action: string }) {
  const { status, user } = useSession();
  if (status !== "signedIn" || !user) return null;
  return (
    <p className="notice" data-testid="signed-in-notice">
      This browser is signed in as {user.email}. {action} signs you in here as the person the link was sent to instead (use a private
      window to keep both).
    </p>
  );
}

function MissingToken({ title, what, used }: { title: string; what: string; used?: string }) {
  return (
    <Page title={title} narrow>
      <p className="notice">This page needs the link from your {what} mail. Open the link again, or ask for a new one.{used ? ` ${used}` : ""}</p>
      <p className="links">
        <Link to="/sign-in">Go to sign-in</Link>
      </p>
    </Page>
  );
}

export function ResetPasswordPage({ query }: { query: URLSearchParams }) {
  const session = useSession();
  const token = useLinkToken(query);
  const organizationSlug = useLinkOrganization(query);
  if (!token) return <MissingToken title="Reset your password" what="password reset" />;
  return (
    <Page title="Reset your password" narrow intro={<p>Choose a new password. Two-factor authentication still applies when you continue.</p>}>
      <SignedInNotice action="Resetting the password" />
      <NewPasswordForm
        submitLabel="Set new password"
        organizationSlug={organizationSlug}
        invalidLinkMessage="This reset link is invalid, used or expired. Ask for a new one from the sign-in page."
        onSubmit={async (password) => session.advance(await api.resetPassword({ token, password }), null)}
      />
      <p className="links">
        <Link to="/forgot-password">Ask for a new link</Link> · <Link to="/sign-in">Sign in</Link>
      </p>
    </Page>
  );
}

export function SetPasswordPage({ query }: { query: URLSearchParams }) {
  const session = useSession();
  const token = useLinkToken(query);
  const organizationSlug = useLinkOrganization(query);
  if (!token) return <MissingToken title="Accept your invitation" what="invitation" used="If you already chose your password with it, sign in instead." />;
  return (
    <Page title="Accept your invitation" narrow intro={<p>Welcome! Choose the password you will sign in with.</p>}>
      <SignedInNotice action="Accepting the invitation" />
      <NewPasswordForm
        submitLabel="Set password and continue"
        organizationSlug={organizationSlug}
        withName
        invalidLinkMessage="This invitation link is invalid, used or expired. If you already chose your password with it, sign in; otherwise ask your administrator to send a new one."
        onSubmit={async (password, name) => {
          const res = await api.setPassword({ inviteToken: token, password, ...(name ? { name } : {}) });
          // The link is spent: if enrolment is left half-way, the sign-in page must know the organization.
          const slug = res.user?.organizationSlug ?? organizationSlug;
          if (slug) rememberSlug(slug);
          session.advance(res, null);
        }}
      />
    </Page>
  );
}

export function NotFoundPage() {
  return (
    <Page title="Page not found" narrow>
      <p>
        There is nothing at this address. <Link to="/">Go to the start page</Link>.
      </p>
    </Page>
  );
}
