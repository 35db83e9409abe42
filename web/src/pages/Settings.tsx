import { useEffect, useState } from "react";
import { api, type OrganizationSettings, type SettingsPatch } from "../api";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Field, FormAlert, Status, Submit, errorMessage, useForm } from "../components/forms";
import { Card, Page } from "../components/Page";
import { validateSettings, type SettingsDraft } from "../rules";
import { useSession } from "../session";

type Draft = SettingsDraft;

const CHECKS = [
  ["passwordRequireUppercase", "Require an uppercase letter"],
  ["passwordRequireLowercase", "Require a lowercase letter"],
  ["passwordRequireDigit", "Require a digit"],
  ["passwordRequireSpecialChar", "Require a special character"],
] as const;

function draftOf(s: OrganizationSettings): Draft {
  return {
    mfaRequired: s.mfaRequired,
    passwordMinLength: String(s.passwordMinLength),
    passwordRequireUppercase: s.passwordRequireUppercase,
    passwordRequireLowercase: s.passwordRequireLowercase,
    passwordRequireDigit: s.passwordRequireDigit,
    passwordRequireSpecialChar: s.passwordRequireSpecialChar,
    passwordExpirationDays: s.passwordExpirationDays === null ? "" : String(s.passwordExpirationDays),
  };
}

export function SettingsPage() {
  const { user } = useSession();
  const [saved, setSaved] = useState<OrganizationSettings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [pending, setPending] = useState<{ patch: SettingsPatch; withoutMfa: number; includesMe: boolean } | null>(null);
  const form = useForm();

  useEffect(() => {
    api.settings().then(
      (s) => {
        setSaved(s);
        setDraft(draftOf(s));
      },
      (err: unknown) => setLoadError(errorMessage(err)),
    );
  }, []);

  if (loadError) return <Page title="Security settings"><FormAlert message={loadError} /></Page>;
  if (!saved || !draft) return <Page title="Security settings"><p aria-busy="true">Loading…</p></Page>;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });

  const apply = async (patch: SettingsPatch) => {
    const next = await api.updateSettings(patch);
    setSaved(next);
    setDraft(draftOf(next));
    setStatus("Settings saved.");
  };

  const onSubmit = form.submit(async () => {
    setStatus(null);
    const { fields, values } = validateSettings(draft);
    if (!values) return form.fail({ fields });
    const patch: SettingsPatch = {};
    for (const key of Object.keys(values) as (keyof typeof values)[]) {
      if (values[key] !== saved[key]) (patch as Record<string, unknown>)[key] = values[key];
    }
    if (Object.keys(patch).length === 0) return setStatus("Nothing to save: no setting changed.");
    if (patch.mfaRequired === true) {
      // State the effect before enforcement is switched on.
      const without = await api.allMembers({ mfaEnabled: false, isActive: true });
      setPending({ patch, withoutMfa: without.length, includesMe: without.some((m) => m.id === user?.id) });
      return;
    }
    await apply(patch);
  });

  const confirmEnforcement = form.submit(async () => {
    const p = pending;
    setPending(null);
    if (p) await apply(p.patch);
  });

  const n = pending?.withoutMfa ?? 0;
  return (
    <Page title="Security settings" intro={<p>The rules every member of {saved.name} signs in with. Password rules apply to new passwords; expiry counts from each member's last change.</p>}>
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack settings">
        <FormAlert message={form.errors.form} />
        <Card title="Multi-factor authentication" id="mfa-settings">
          <Field
            type="checkbox"
            label="Require two-factor authentication for every member"
            name="mfaRequired"
            checked={draft.mfaRequired}
            onChange={(e) => set("mfaRequired", e.target.checked)}
            error={form.errors.fields.mfaRequired}
            hint="Members without it are asked to set up an authenticator app at their next sign-in, before they get in; their open sessions end within minutes."
          />
        </Card>
        <Card title="Password rules" id="password-settings">
          <Field
            label="Minimum length"
            name="passwordMinLength"
            type="number"
            inputMode="numeric"
            min={8}
            max={128}
            hint="8 to 128 characters."
            value={draft.passwordMinLength}
            onChange={(e) => set("passwordMinLength", e.target.value)}
            error={form.errors.fields.passwordMinLength}
          />
          {CHECKS.map(([key, label]) => (
            <Field key={key} type="checkbox" label={label} name={key} checked={draft[key]} onChange={(e) => set(key, e.target.checked)} error={form.errors.fields[key]} />
          ))}
          <Field
            label="Passwords expire after (days)"
            name="passwordExpirationDays"
            type="number"
            inputMode="numeric"
            min={1}
            max={365}
            hint="1 to 365 days; leave empty so passwords never expire."
            value={draft.passwordExpirationDays}
            onChange={(e) => set("passwordExpirationDays", e.target.value)}
            error={form.errors.fields.passwordExpirationDays}
          />
        </Card>
        <div className="row">
          <Submit busy={form.busy}>Save settings</Submit>
          <button type="button" onClick={() => { setDraft(draftOf(saved)); form.clear(); setStatus(null); }}>
            Discard changes
          </button>
        </div>
        <Status message={status} />
      </form>
      <ConfirmDialog
        open={pending !== null}
        title="Require two-factor authentication?"
        confirmLabel="Require two-factor authentication"
        busy={form.busy}
        onCancel={() => setPending(null)}
        onConfirm={() => void confirmEnforcement()}
      >
        <p data-testid="enforcement-effect">
          {n === 0
            ? "Every active member already uses two-factor authentication."
            : `${n} ${n === 1 ? "member has" : "members have"} no MFA yet; they will have to set it up at their next sign-in.`}
          {pending?.includesMe ? " That includes you." : ""}
        </p>
        {n > 0 && <p>Their sessions open now end at the next token renewal (within 15 minutes by default, or when the console is reloaded).</p>}
      </ConfirmDialog>
    </Page>
  );
}
