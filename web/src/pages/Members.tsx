import { useCallback, useEffect, useState, type ReactNode } from "react";
import { api, type Member, type MemberFilter } from "../api";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Field, FormAlert, Status, Submit, errorMessage, useForm } from "../components/forms";
import { Card, Page } from "../components/Page";
import { formatDate } from "../format";
import { useSession } from "../session";

const PAGE_SIZE = 50;
/** The API's largest page: a reload after an action keeps at most this many rows shown. */
const MAX_ROWS = 1000;

const FILTERS: { key: string; label: string; filter: MemberFilter }[] = [
  { key: "all", label: "All", filter: {} },
  { key: "no-mfa", label: "No MFA", filter: { mfaEnabled: false, isActive: true } },
  { key: "admins", label: "Admins", filter: { isOrgAdmin: true } },
  { key: "inactive", label: "Inactive", filter: { isActive: false } },
];

interface Action {
  label: string;
  title: string;
  effect: ReactNode;
  confirm: string;
  danger?: boolean;
  run: () => Promise<string>;
}

export function MembersPage() {
  const { user } = useSession();
  const [filterKey, setFilterKey] = useState("all");
  const [search, setSearch] = useState("");
  const [q, setQ] = useState("");
  const [members, setMembers] = useState<Member[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);

  const filter = { ...FILTERS.find((f) => f.key === filterKey)!.filter, ...(q ? { q } : {}) };
  const filterId = JSON.stringify(filter);

  /** `keep`: reload as many rows as are shown (after an action), so "Show more" is not undone. */
  const load = useCallback(async (cursor?: string, keep = 0) => {
    setError(null);
    try {
      const size = Math.min(MAX_ROWS, Math.max(PAGE_SIZE, keep));
      const page = await api.members(JSON.parse(filterId) as MemberFilter, size, cursor);
      setMembers((prev) => (cursor && prev ? [...prev, ...page.members] : page.members));
      setNext(page.next);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [filterId]);

  useEffect(() => {
    void load();
  }, [load]);

  const runAction = async () => {
    if (!action) return;
    setBusy(true);
    // One outcome at a time: an earlier success must not stand beside a new failure.
    setStatus(null);
    setError(null);
    try {
      const done = await action.run();
      await load(undefined, members?.length ?? 0);
      setStatus(done);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
      setAction(null);
    }
  };

  return (
    <Page title="Members">
      <InviteForm onInvited={(m) => { setStatus(`Invitation sent to ${m.email}.`); void load(); }} />
      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title">People in your organization</h2>
        <div className="toolbar">
          <fieldset className="segmented">
            <legend className="visually-hidden">Show</legend>
            {FILTERS.map((f) => (
              <label key={f.key} className={filterKey === f.key ? "selected" : undefined}>
                <input type="radio" name="member-filter" value={f.key} checked={filterKey === f.key} onChange={() => setFilterKey(f.key)} />
                {f.label}
              </label>
            ))}
          </fieldset>
          <form role="search" className="search" onSubmit={(e) => { e.preventDefault(); setQ(search.trim()); }}>
            <label htmlFor="member-search" className="visually-hidden">
              Search by name or email
            </label>
            <input id="member-search" type="search" placeholder="Search name or email" value={search} onChange={(e) => setSearch(e.target.value)} />
            <button type="submit">Search</button>
          </form>
        </div>
        <FormAlert message={error} />
        <Status message={status} />
        {members === null ? (
          <p aria-busy="true">Loading…</p>
        ) : members.length === 0 ? (
          <p className="muted">No member matches.</p>
        ) : (
          <ul className="list members" aria-label="Members">
            {members.map((m) => (
              <MemberRow key={m.id} member={m} isMe={m.id === user?.id} onAction={setAction} />
            ))}
          </ul>
        )}
        {next && (
          <button type="button" onClick={() => void load(next)}>
            Show more
          </button>
        )}
      </section>
      <ConfirmDialog
        open={action !== null}
        title={action?.title ?? ""}
        confirmLabel={action?.confirm ?? "Confirm"}
        danger={action?.danger}
        busy={busy}
        onCancel={() => setAction(null)}
        onConfirm={() => void runAction()}
      >
        {action?.effect}
      </ConfirmDialog>
    </Page>
  );
}

function MemberRow({ member: m, isMe, onAction }: { member: Member; isMe: boolean; onAction: (a: Action) => void }) {
  const who = m.name ? `${m.name} (${m.email})` : m.email;
  const invited = m.lastLoginAt === null;
  const actions: Action[] = [];
  if (m.mfaEnabled) {
    actions.push({
      label: "Reset MFA",
      title: `Reset MFA of ${m.email}?`,
      effect: <p>Their authenticator and recovery codes are removed and their sessions end. They set up MFA again at their next sign-in if the organization requires it.</p>,
      confirm: "Reset MFA",
      danger: true,
      run: async () => (await api.resetMemberMfa(m.id)).message,
    });
  }
  if (m.isActive && invited) {
    actions.push({
      label: "Resend invitation",
      title: `Resend the invitation to ${m.email}?`,
      effect: <p>A new link is mailed; older links stop working.</p>,
      confirm: "Resend",
      run: async () => (await api.resendInvitation(m.id), `Invitation sent again to ${m.email}.`),
    });
  }
  if (m.isActive) {
    actions.push(
      {
        label: "Send password reset",
        title: `Send ${m.email} a password reset link?`,
        effect: <p>They get a mail with a link to choose a new password, valid for one hour. Their current password keeps working until then.</p>,
        confirm: "Send link",
        run: async () => (await api.sendPasswordReset(m.id), `Password reset link sent to ${m.email}.`),
      },
      {
        label: "Force password change",
        title: `Make ${m.email} change their password?`,
        effect: <p>At their next sign-in they must choose a new password before they get in.</p>,
        confirm: "Force change",
        run: async () => (await api.expirePassword(m.id), `${m.email} must change their password at the next sign-in.`),
      },
      {
        label: "Revoke sessions",
        title: `Sign ${m.email} out everywhere?`,
        effect: <p>Every session of this member ends at once{isMe ? ", including this one" : ""}.</p>,
        confirm: "Revoke sessions",
        danger: true,
        run: async () => (await api.revokeMemberSessions(m.id), `Every session of ${m.email} ended.`),
      },
    );
  }
  actions.push(
    m.isActive
      ? {
          label: "Deactivate",
          title: `Deactivate ${m.email}?`,
          effect: <p>They are signed out everywhere and cannot sign in until an administrator reactivates them.</p>,
          confirm: "Deactivate",
          danger: true,
          run: async () => (await api.updateMember(m.id, { isActive: false }), `${m.email} is deactivated.`),
        }
      : {
          label: "Reactivate",
          title: `Reactivate ${m.email}?`,
          effect: <p>They can sign in again with their password (and MFA).</p>,
          confirm: "Reactivate",
          run: async () => (await api.updateMember(m.id, { isActive: true }), `${m.email} is active again.`),
        },
    {
      label: m.isOrgAdmin ? "Remove admin role" : "Make admin",
      title: m.isOrgAdmin ? `Remove the admin role of ${m.email}?` : `Make ${m.email} an administrator?`,
      effect: <p>{m.isOrgAdmin ? "They keep their account but lose access to these pages." : "They can change security settings, manage members and read the audit log."}</p>,
      confirm: m.isOrgAdmin ? "Remove role" : "Make admin",
      run: async () => (await api.updateMember(m.id, { isOrgAdmin: !m.isOrgAdmin }), `${m.email} is ${m.isOrgAdmin ? "no longer" : "now"} an administrator.`),
    },
  );
  if (!isMe) {
    actions.push({
      label: "Delete",
      title: `Delete ${m.email} for good?`,
      effect: (
        <p>
          The account, its sessions, authenticator, recovery codes and pending links are removed and cannot be brought back; the email can be
          invited again. The audit log keeps its entries. To only stop them signing in, deactivate instead.
        </p>
      ),
      confirm: "Delete",
      danger: true,
      run: async () => (await api.deleteMember(m.id), `${m.email} is deleted.`),
    });
  }

  return (
    <li className="list-item member" data-email={m.email}>
      <div className="member-info">
        <strong>{m.name ?? m.email}</strong>
        {isMe && <span className="badge">You</span>}
        {m.isOrgAdmin && <span className="badge info">Admin</span>}
        {m.mfaEnabled ? <span className="badge ok">MFA on</span> : <span className="badge warn">No MFA</span>}
        {!m.isActive && <span className="badge bad">Inactive</span>}
        {m.isActive && invited && <span className="badge">Never signed in</span>}
        <div className="muted small">
          {m.name && <>{m.email} · </>}last sign-in {formatDate(m.lastLoginAt)}
        </div>
      </div>
      <div className="actions">
        {actions.map((a) => (
          <button key={a.label} type="button" className={`small${a.danger ? " danger-outline" : ""}`} aria-label={`${a.label} for ${who}`} onClick={() => onAction(a)}>
            {a.label}
          </button>
        ))}
      </div>
    </li>
  );
}

function InviteForm({ onInvited }: { onInvited: (m: Member) => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [admin, setAdmin] = useState(false);
  // The one state error an invitation meets is an email already in the organization.
  const form = useForm({ codeFields: { BAD_REQUEST: { field: "email" } } });

  const onSubmit = form.submit(async () => {
    if (!email.trim()) return form.fail({ fields: { email: "Enter the email address to invite." } });
    const created = await api.invite({ email: email.trim(), ...(name.trim() ? { name: name.trim() } : {}), isOrgAdmin: admin });
    setEmail("");
    setName("");
    setAdmin(false);
    onInvited(created);
  });

  return (
    <Card title="Invite a member" id="invite">
      <form ref={form.formRef} onSubmit={onSubmit} noValidate className="stack invite">
        <FormAlert message={form.errors.form} />
        <div className="row wrap">
          <Field label="Email" name="email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} error={form.errors.fields.email} />
          <Field label="Name (optional)" name="name" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} error={form.errors.fields.name} />
        </div>
        <Field type="checkbox" label="Administrator" name="isOrgAdmin" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />
        <Submit busy={form.busy}>Send invitation</Submit>
      </form>
      <p className="hint" data-testid="invite-explained">
        They get a mail with a link to choose their password (valid for 7 days), then set up two-factor authentication if the
        organization requires it. A server without a mail server configured (no <code>SMTP_URL</code>) writes each mail to
        its <code>DATA_DIR/outbox/</code> folder and names the file in its log.
      </p>
    </Card>
  );
}
