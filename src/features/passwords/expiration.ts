/** When a password expires: its own last change plus the organization's current setting (null = never). */
export function passwordExpiresAt(
  user: { password_changed_at: Date | null },
  org: { password_expiration_days: number | null },
): Date | null {
  if (org.password_expiration_days === null || user.password_changed_at === null) return null;
  return new Date(user.password_changed_at.getTime() + org.password_expiration_days * 86_400_000);
}

export function isPasswordExpired(
  user: { password_changed_at: Date | null; must_change_password: boolean },
  org: { password_expiration_days: number | null },
  now: Date,
): boolean {
  if (user.must_change_password) return true;
  const at = passwordExpiresAt(user, org);
  return at !== null && at.getTime() <= now.getTime();
}
