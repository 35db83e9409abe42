/**
 * What the server tells the console in index.html's <meta> tags (src/http/console.ts),
 * so the first paint is right without another request. The Vite dev server has none:
 * the defaults are the server's defaults.
 */
function meta(name: string): string | null {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? null;
}

/** False when the server runs with SIGNUP=closed: new organizations come from an operator, people from invitations. */
export function signupOpen(): boolean {
  return meta("gatehouse-signup") !== "closed";
}
