import { useCallback, useEffect, useState } from "react";
import { api, type AuditPage as Page_, type AuditQuery } from "../api";
import { EVENT_TYPES, describeEntry } from "../audit-sentences";
import { Field, FormAlert, Status, Submit, describeError, errorMessage, useForm } from "../components/forms";
import { Page } from "../components/Page";
import { downloadText } from "../components/RecoveryCodes";
import { formatDate, localDayStart } from "../format";

interface Filters {
  eventType: string;
  actorEmail: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { eventType: "", actorEmail: "", from: "", to: "" };

/** Dates as the API takes them: `from` at the reader's local midnight, `to` inclusive of its whole local day (the API's bound is exclusive). */
function toQuery(f: Filters): Omit<AuditQuery, "page" | "size"> {
  return {
    ...(f.eventType ? { eventType: f.eventType } : {}),
    ...(f.actorEmail.trim() ? { actorEmail: f.actorEmail.trim() } : {}),
    ...(f.from ? { from: localDayStart(f.from) } : {}),
    ...(f.to ? { to: localDayStart(f.to, 1) } : {}),
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
