/**
 * A console page a mail links to. The token is the link's only secret; the slug lets the
 * page show that organization's password rules (public anyway) while the person types.
 * The server checks the password against the token's own organization, so an edited
 * `org` changes nothing but the hint.
 */
export function consoleLink(publicUrl: string, page: "set-password" | "reset-password", token: string, organizationSlug: string): string {
  return `${publicUrl}/${page}?token=${encodeURIComponent(token)}&org=${encodeURIComponent(organizationSlug)}`;
}
