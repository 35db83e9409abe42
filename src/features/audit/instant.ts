/**
 * Parses a query-string instant: an RFC 3339 date-time, the same without an
 * offset (read as UTC, as Spring's LocalDateTime clients send it), or a bare
 * date (midnight UTC). A `+` in an unencoded query arrives as a space; it is
 * taken back. Returns null for anything else, including impossible dates
 * (`2026-02-30`, which Date would roll over to March).
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

export function parseInstant(raw: string): Date | null {
  const text = raw.trim().replace(/ (\d{2}:?\d{2})$/, "+$1");
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const fraction = /\.(\d{1,9})/.exec(text.slice(10))?.[1];
  const ms = fraction ? `.${fraction.slice(0, 3).padEnd(3, "0")}` : "";
  const offset = !zone || zone.toUpperCase() === "Z" ? "Z" : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date;
}
