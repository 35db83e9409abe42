import { useEffect, useId, useRef, useState } from "react";
import { api, errorCode, type MfaConfirm, type MfaSetup } from "../api";
import { Field, FormAlert, Status, Submit, errorMessage, useForm } from "./forms";

/** A setup token the API no longer accepts (expired or used). */
const expired = (err: unknown) => errorCode(err) === "UNAUTHORIZED";

/**
 * TOTP enrolment: QR code and secret, then a code to prove the app works.
 * With `setupToken` it is the enrolment step of a sign-in; without, the
 * signed-in user's own setup. Answers the confirmation (codes, maybe tokens).
 */
export function MfaEnrol({
  setupToken,
  onConfirmed,
  onExpired,
}: {
  setupToken?: string;
  onConfirmed: (result: MfaConfirm) => void;
  /** With a setup token: called when the API no longer accepts it (expired or used). */
  onExpired?: () => void;
}) {
  const [setup, setSetup] = useState<MfaSetup | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [copied, setCopied] = useState<string | null>(null);
  const secretId = useId();
  const started = useRef(false);
  // A wrong code is a VALIDATION_ERROR naming `code` on the confirm route (INVALID_MFA_CODE is sign-in's).
  const form = useForm({ fieldMessages: { code: "That code is not valid. Enter the current code from your app." } });

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    api.mfaSetup(setupToken).then(setSetup, (err: unknown) => {
      if (setupToken && expired(err) && onExpired) onExpired();
      else setLoadError(errorMessage(err));
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs once: a second setup would replace the secret
  }, [setupToken]);

  if (loadError) return <FormAlert message={loadError} />;
  if (!setup) return <p aria-busy="true">Preparing your authenticator setup…</p>;

  const onSubmit = form.submit(async () => {
    const trimmed = code.replace(/\s+/g, "");
    if (!/^\d{6}$/.test(trimmed)) return form.fail({ fields: { code: "Enter the 6-digit code your app shows." } });
    let result: MfaConfirm;
    try {
      result = await api.mfaConfirm({ code: trimmed, secret: setup.secret }, setupToken);
    } catch (err) {
      if (setupToken && expired(err) && onExpired) return onExpired();
      throw err;
    }
    onConfirmed(result);
  });

  return (
    <div className="enrol">
      <ol className="steps">
        <li>
          <p>Scan this QR code with an authenticator app (Google Authenticator, 1Password, Authy…).</p>
          <img className="qr" src={`data:image/png;base64,${setup.qrCodeBase64}`} alt="QR code to add Gatehouse to your authenticator app" width={200} height={200} />
        </li>
        <li>
          <p id={secretId}>Or type this key into the app:</p>
          <div className="row secret-row">
            <code className="secret" aria-labelledby={secretId} data-testid="totp-secret">
              {setup.secret}
            </code>
            <button
              type="button"
              onClick={() =>
                navigator.clipboard.writeText(setup.secret).then(
                  () => setCopied("Key copied to the clipboard."),
                  () => setCopied("Copying failed: select the key and copy it by hand."),
                )
              }
            >
              Copy key
            </button>
          </div>
          <Status message={copied} />
        </li>
        <li>
          <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack">
            <FormAlert message={form.errors.form} />
            <Field
              label="6-digit code from the app"
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              error={form.errors.fields.code}
            />
            <Submit busy={form.busy}>Turn on two-factor authentication</Submit>
          </form>
        </li>
      </ol>
    </div>
  );
}
