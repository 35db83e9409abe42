import { useEffect, type ReactElement } from "react";
import { Shell } from "./components/Shell";
import { Page } from "./components/Page";
import { AccountPage } from "./pages/Account";
import { AuditPage } from "./pages/Audit";
import { MembersPage } from "./pages/Members";
import { ForgotPasswordPage, NotFoundPage, RegisterPage, ResetPasswordPage, SetPasswordPage } from "./pages/Public";
import { SettingsPage } from "./pages/Settings";
import { FlowStepPage, SignInPage } from "./pages/SignIn";
import { navigate, useLocation } from "./router";
import { setReturnTo, useSession } from "./session";

/** Sends the visitor elsewhere after render (never during it). */
function Redirect({ to, returnTo }: { to: string; returnTo?: string }) {
  useEffect(() => {
    if (returnTo) setReturnTo(returnTo);
    navigate(to, { replace: true });
  }, [to, returnTo]);
  return null;
}

function Routes() {
  const { path, query } = useLocation();
  const { status, user, step } = useSession();

  // Pages reached from a mailed link or before any account: no session needed.
  switch (path) {
    case "/reset-password":
      if (!step) return <ResetPasswordPage query={query} />;
      break;
    case "/set-password":
      if (!step) return <SetPasswordPage query={query} />;
      break;
    case "/register":
      if (!step && status !== "signedIn") return <RegisterPage />;
      break;
    case "/forgot-password":
      if (!step) return <ForgotPasswordPage />;
      break;
  }
  if (step) return <FlowStepPage step={step} />;
  if (status === "loading") {
    return (
      <main id="main" className="page narrow">
        <p aria-busy="true">Loading…</p>
      </main>
    );
  }
  if (status !== "signedIn" || !user) {
    if (path === "/sign-in" || path === "/") return <SignInPage />;
    const known = ["/account", "/organization/settings", "/organization/members", "/organization/audit"];
    if (known.includes(path)) return <Redirect to="/sign-in" returnTo={path} />;
    return <NotFoundPage />;
  }
  const adminOnly = (page: ReactElement) =>
    user.isOrgAdmin ? page : (
      <Page title="Administrators only" narrow>
        <p>This page is for organization administrators.</p>
      </Page>
    );
  switch (path) {
    case "/":
    case "/sign-in":
    case "/register":
      return <Redirect to="/account" />;
    case "/account":
      return <AccountPage />;
    case "/organization/settings":
      return adminOnly(<SettingsPage />);
    case "/organization/members":
      return adminOnly(<MembersPage />);
    case "/organization/audit":
      return adminOnly(<AuditPage />);
    default:
      return <NotFoundPage />;
  }
}

export function App() {
  return (
    <Shell>
      <Routes />
    </Shell>
  );
}
