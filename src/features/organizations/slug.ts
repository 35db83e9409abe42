export const SLUG_PATTERN = "^[a-z0-9][a-z0-9-]{1,62}$";
const SLUG_RE = new RegExp(SLUG_PATTERN);

/** "Acme Corp, Inc." → "acme-corp-inc"; null when nothing usable is left (e.g. a name in another script). */
export function slugify(name: string): string | null {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return SLUG_RE.test(slug) ? slug : null;
}
