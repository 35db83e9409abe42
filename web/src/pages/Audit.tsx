import { useCallback, useEffect, useState } from "react";
import { api, type AuditEntry, type AuditPage as Page_, type AuditQuery } from "../api";
import { Field, FormAlert, Status, Submit, describeError, errorMessage, useForm } from "../components/forms";
import { Page } from "../components/Page";
import { downloadText } from "../components/RecoveryCodes";
import { formatDate } from "../format";

const EVENT_TYPES: Record<string, string> = {
  USER_REGISTER: "Organization registered",
  USER_LOGIN: "Sign-in",
  USER_LOGOUT: "Sign-out",
  MFA_CHALLENGE_VERIFY: "MFA challenge",
  MFA_ENABLE: "MFA turned on",
  MFA_DISABLE: "MFA turned off",
  MFA_RESET: "MFA reset",
  MFA_RECOVERY_CODES_REGENERATE: "Recovery codes regenerated",
  PASSWORD_CHANGE: "Password changed",
  PASSWORD_RESET: "Password reset",
  PASSWORD_EXPIRE: "Password change forced",
  USER_CREATE: "Member invited",
  USER_UPDATE: "Member updated",
  USER_DEACTIVATE: "Member deactivated",
  USER_DELETE: "Member deleted",
  SESSION_REVOKE: "Sessions ended",
  ORGANIZATION_SETTINGS_UPDATE: "Security settings changed",
};

const SETTING_NAMES: Record<string, string> = {
  mfaRequired: "MFA required",
  passwordMinLength: "minimum length",
  passwordRequireUppercase: "uppercase required",
  passwordRequireLowercase: "lowercase required",
  passwordRequireDigit: "digit required",
  passwordRequireSpecialChar: "special character required",
  passwordExpirationDays: "expiry (days)",
  name: "name",
  isOrgAdmin: "admin",
  isActive: "active",
};

const show = (v: unknown) => (v === null || v === undefined ? "none" : v === true ? "yes" : v === false ? "no" : String(v));

function changesOf(details: Record<string, unknown> | null): string {
  const changes = details?.changes as Record<string, { before: unknown; after: unknown }> | undefined;
  if (!changes) return "";
  return Object.entries(changes)
    .map(([k, c]) => `${SETTING_NAMES[k] ?? k} ${show(c.before)} → ${show(c.after)}`)
    .join(", ");
}

/** One sentence per entry, from its type, result, actor, target and details. */
export function describeEntry(e: AuditEntry): string {
  const actor = e.actorEmail ?? (e.actorType === "SYSTEM" ? "Gatehouse" : "Someone");
  const target = e.resourceName ?? e.resourceId ?? "a member";
  const self = e.actorEmail !== null && e.actorEmail === e.resourceName;
  const failed = e.result === "FAILURE";
  const why = e.errorMessage ? ` (${e.errorMessage})` : "";
  const d = e.details ?? {};
  const generic = EVENT_TYPES[e.eventType] ?? e.eventType;
  // Failures of events without their own wording: what was tried, by whom, and why it failed.
  if (failed && !["USER_LOGIN", "MFA_CHALLENGE_VERIFY", "PASSWORD_CHANGE"].includes(e.eventType)) {
    return `${generic}: failed attempt by ${actor}${e.resourceName && !self ? ` on ${target}` : ""}${why}`;
  }
  switch (e.eventType) {
    case "USER_REGISTER":
      return `${actor} registered the organization${d.slug ? ` “${String(d.slug)}”` : ""}`;
    case "USER_LOGIN":
      return failed ? `Failed sign-in as ${e.resourceName ?? actor}${why}` : `${actor} signed in${d.mfa ? " with MFA" : ""}`;
    case "USER_LOGOUT":
      return `${actor} signed out`;
    case "MFA_CHALLENGE_VERIFY":
      return failed ? `Wrong MFA code for ${e.resourceName ?? actor}${why}` : `${actor} passed the MFA check${d.method === "RECOVERY_CODE" ? " with a recovery code" : ""}`;
    case "MFA_ENABLE":
      return `${self || !e.resourceName ? actor : target} turned on MFA`;
    case "MFA_DISABLE":
      return `${actor} turned off MFA${self || !e.resourceName ? "" : ` for ${target}`}`;
    case "MFA_RESET":
      return self ? `${actor} reset their own MFA` : `${actor} reset the MFA of ${target}`;
    case "MFA_RECOVERY_CODES_REGENERATE":
      return `${actor} regenerated their recovery codes`;
    case "PASSWORD_CHANGE":
      return failed ? `Failed password change by ${actor}${why}` : `${self ? actor : target} changed ${d.expired ? "an expired" : "their"} password`;
    case "PASSWORD_RESET":
      return d.stage === "LINK_SENT" ? `${actor} sent a password reset link to ${target}` : `${target} reset their password with a mailed link`;
    case "PASSWORD_EXPIRE":
      return `${actor} required ${target} to change password at the next sign-in`;
    case "USER_CREATE":
      return `${actor} invited ${target}`;
    case "USER_UPDATE": {
      if (d.invitation === "RESENT") return `${actor} resent the invitation to ${target}`;
      if (d.reason === "INVITATION_ACCEPTED") return `${target} accepted the invitation`;
      const c = changesOf(e.details);
      return `${actor} updated ${target}${c ? `: ${c}` : ""}`;
    }
    case "USER_DEACTIVATE":
      return `${actor} deactivated ${target}`;
    case "USER_DELETE":
      return `${actor} deleted ${target}`;
    case "SESSION_REVOKE":
      if (d.reason === "refresh_token_reuse") return `Gatehouse ended a session of ${target}: a used refresh token was presented again`;
      if (d.reason === "ADMIN_REVOKE_ALL") return `${actor} signed ${target} out everywhere`;
      return `${actor} ended a session`;
    case "ORGANIZATION_SETTINGS_UPDATE": {
      const c = changesOf(e.details);
      return `${actor} changed security settings${c ? `: ${c}` : ""}`;
    }
    default:
      return `${generic} by ${actor}${e.resourceName ? ` on ${target}` : ""}`;
  }
}

interface Filters {
  eventType: string;
  actorEmail: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { eventType: "", actorEmail: "", from: "", to: "" };

/** Dates as the API takes them: `from` at midnight UTC, `to` inclusive of its whole day (the API's bound is exclusive). */
function toQuery(f: Filters): Omit<AuditQuery, "page" | "size"> {
  const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return {
    ...(f.eventType ? { eventType: f.eventType } : {}),
    ...(f.actorEmail.trim() ? { actorEmail: f.actorEmail.trim() } : {}),
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: nextDay(f.to) } : {}),
  };
}

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [page, setPage] = useState(0);
  const [data, setData] = useState<Page_ | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const form = useForm();

  const load = useCallback(async () => {
    setError(null);
    try {
      setData(await api.auditLogs({ ...toQuery(applied), page, size: 20 }));
    } catch (err) {
      // A filter the API refuses (say, a malformed actor email) is shown at its field.
      const e = describeError(err);
      if (Object.keys(e.fields).length) form.fail(e);
      else setError(errorMessage(err));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- form.fail uses only state setters and a ref
  }, [applied, page]);

  useEffect(() => {
    void load();
  }, [load]);

  const onSubmit = form.submit(async () => {
    if (draft.from && draft.to && draft.from > draft.to) return form.fail({ fields: { to: "must be on or after the start date" } });
    setPage(0);
    setApplied(draft);
  });

  const onExport = async () => {
    setExporting(true);
    setError(null);
    try {
      const blob = await api.exportAuditLogs(toQuery(applied));
      downloadText(`gatehouse-audit-${new Date().toISOString().slice(0, 10)}.ndjson`, blob);
      setStatus("Export downloaded (one JSON object per line).");
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setExporting(false);
    }
  };

  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value });

  return (
    <Page title="Audit log" intro={<p>Every security event of the organization, newest first. Entries can be neither changed nor deleted.</p>}>
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="card filters" aria-label="Filter events">
        <FormAlert message={form.errors.form} />
        <div className="row wrap">
          <div className="field">
            <label htmlFor="audit-event-type">Event</label>
            <select id="audit-event-type" name="eventType" value={draft.eventType} onChange={set("eventType")}>
              <option value="">All events</option>
              {Object.entries(EVENT_TYPES).map(([k, label]) => (
                <option key={k} value={k}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <Field label="Actor email" name="actorEmail" type="email" value={draft.actorEmail} onChange={set("actorEmail")} error={form.errors.fields.actorEmail} />
          <Field label="From" name="from" type="date" value={draft.from} onChange={set("from")} error={form.errors.fields.from} />
          <Field label="To (inclusive)" name="to" type="date" value={draft.to} onChange={set("to")} error={form.errors.fields.to} />
        </div>
        <div className="row wrap">
          <Submit busy={form.busy}>Apply filters</Submit>
          <button type="button" onClick={() => { setDraft(EMPTY); setApplied(EMPTY); setPage(0); }}>
            Clear
          </button>
          <button type="button" onClick={() => void onExport()} disabled={exporting} aria-busy={exporting || undefined}>
            {exporting ? "Exporting…" : "Export (NDJSON)"}
          </button>
        </div>
      </form>
      <FormAlert message={error} />
      <Status message={status} />
      {data === null ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <section aria-labelledby="events-title" className="card">
          <h2 id="events-title">
            {data.totalElements} event{data.totalElements === 1 ? "" : "s"}
          </h2>
          {data.content.length === 0 ? (
            <p className="muted">No event matches these filters.</p>
          ) : (
            <ol className="list events">
              {data.content.map((e) => (
                <li key={e.id} className="list-item event" data-event-type={e.eventType}>
                  <div>
                    <span className={`badge ${e.result === "FAILURE" ? "bad" : "ok"}`}>{e.result === "FAILURE" ? "Failed" : "OK"}</span>{" "}
                    <span className="event-text">{describeEntry(e)}</span>
                    <div className="muted small">
                      <time dateTime={e.createdAt}>{formatDate(e.createdAt)}</time> · {EVENT_TYPES[e.eventType] ?? e.eventType}
                      {e.ipAddress && <> · {e.ipAddress}</>}
                    </div>
                  </div>
                </li>
              ))}
            </ol>
          )}
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Newer
            </button>
            <span>
              Page {data.totalPages === 0 ? 0 : data.number + 1} of {data.totalPages}
            </span>
            <button type="button" disabled={data.number + 1 >= data.totalPages} onClick={() => setPage(page + 1)}>
              Older
            </button>
          </nav>
        </section>
      )}
    </Page>
  );
}
