import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { api, refreshSession, rememberSlug, setAccessToken, setForbiddenHandler, setSessionLostHandler, type AuthUser, type LoginResponse } from "./api";
import { navigate } from "./router";

/** Where a sign-in stands between the password and the tokens (the API's state machine). */
export type FlowStep =
  | { kind: "mfa"; token: string }
  | { kind: "expired"; token: string }
  | { kind: "enrol"; token: string };

interface SessionState {
  status: "loading" | "signedOut" | "signedIn";
  user: AuthUser | null;
  /** The sign-in step in progress, if any. */
  step: FlowStep | null;
  /** The organization of the sign-in in progress (for its password policy), when known. */
  flowSlug: string | null;
  /** A message for the next page (e.g. "your session ended"). */
  notice: string | null;
  passwordExpiresAt: string | null;
  /** Continue a sign-in with whatever the API answered. */
  advance(res: LoginResponse, slug?: string | null): void;
  signedIn(accessToken: string, user: AuthUser, passwordExpiresAt?: string | null): void;
  /** Abandons the sign-in in progress and returns to the sign-in page, with a notice if given. */
  cancelFlow(notice?: string): void;
  signOut(notice?: string): Promise<void>;
  setUser(user: AuthUser): void;
  clearNotice(): void;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}

/** Pages that must not bounce a visitor to the account after sign-in. */
let returnTo: string | null = null;
export function setReturnTo(path: string | null): void {
  returnTo = path;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionState["status"]>("loading");
  const [user, setUserState] = useState<AuthUser | null>(null);
  // For handlers registered once: whether someone is signed in right now.
  const userRef = useRef<AuthUser | null>(null);
  userRef.current = user;
  const [step, setStep] = useState<FlowStep | null>(null);
  const [flowSlug, setFlowSlug] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [passwordExpiresAt, setPasswordExpiresAt] = useState<string | null>(null);

  const signedIn = useCallback((accessToken: string, u: AuthUser, expiresAt: string | null = null) => {
    setAccessToken(accessToken);
    rememberSlug(u.organizationSlug);
    setUserState(u);
    setStep(null);
    setFlowSlug(null);
    setPasswordExpiresAt(expiresAt);
    setNotice(null);
    setStatus("signedIn");
    const to = returnTo ?? "/account";
    returnTo = null;
    navigate(to, { replace: true });
  }, []);

  const signOut = useCallback(async (message?: string) => {
    await api.logout().catch(() => {});
    setAccessToken(null);
    setUserState(null);
    setStep(null);
    setStatus("signedOut");
    setNotice(message ?? null);
    navigate("/sign-in", { replace: true });
  }, []);

  // On load: the refresh cookie (if any) brings the session back; there is no token to read anywhere else.
  useEffect(() => {
    let live = true;
    setSessionLostHandler((why) => {
      // Back to this page after signing in again, not to the account page.
      const here = location.pathname;
      if (here === "/account" || here.startsWith("/organization/")) returnTo = here;
      setAccessToken(null);
      setUserState(null);
      setStatus("signedOut");
      setNotice(why);
      navigate("/sign-in", { replace: true });
    });
    // Refused for lack of a right the page thought the user had: read the user again, so a
    // demoted admin's menu and pages follow at once (adminOnly shows why).
    setForbiddenHandler(() => {
      // Signed out (a public page's 403, e.g. sign-up closed) there is nothing to re-read.
      if (!userRef.current) return;
      api.me().then((me) => live && userRef.current && setUserState(me), () => {});
    });
    void refreshSession().then(({ tokens, notice }) => {
      if (!live) return;
      if (tokens) {
        setUserState(tokens.user);
        setStatus("signedIn");
      } else {
        setStatus("signedOut");
        if (notice) setNotice(notice);
      }
    });
    return () => {
      live = false;
      setForbiddenHandler(null);
    };
  }, []);

  const value = useMemo<SessionState>(
    () => ({
      status,
      user,
      step,
      flowSlug,
      notice,
      passwordExpiresAt,
      advance(res, slug) {
        if (slug !== undefined) setFlowSlug(slug);
        if (res.accessToken && res.user) return signedIn(res.accessToken, res.user, res.passwordExpiresAt);
        if (res.mfaRequired && res.mfaChallengeToken) return setStep({ kind: "mfa", token: res.mfaChallengeToken });
        if (res.passwordExpired && res.passwordChangeToken) return setStep({ kind: "expired", token: res.passwordChangeToken });
        if (res.mfaSetupRequired && res.mfaSetupToken) return setStep({ kind: "enrol", token: res.mfaSetupToken });
        setStep(null);
        setNotice("The sign-in could not continue. Please sign in again.");
        navigate("/sign-in", { replace: true });
      },
      signedIn,
      cancelFlow(message?: string) {
        setStep(null);
        setFlowSlug(null);
        setNotice(message ?? null);
        navigate("/sign-in", { replace: true });
      },
      signOut,
      setUser: setUserState,
      clearNotice() {
        setNotice(null);
      },
    }),
    [status, user, step, flowSlug, notice, passwordExpiresAt, signedIn, signOut],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
