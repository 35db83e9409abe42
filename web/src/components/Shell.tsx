import type { ReactNode } from "react";
import { Link } from "../router";
import { useSession } from "../session";

/** The frame: a skip link, the brand, and for a signed-in user the navigation and sign-out. */
export function Shell({ children }: { children: ReactNode }) {
  const { status, user, step, signOut } = useSession();
  const signedIn = status === "signedIn" && user && !step;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <svg className="logo" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3z" fill="currentColor" />
            <path className="tick" d="M9 12.5 11 14.5 15.5 10" fill="none" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          Gatehouse
          {signedIn && <span className="org"> · {user.organizationName}</span>}
        </div>
        {signedIn && (
          <nav aria-label="Main">
            <ul>
              <li>
                <Link to="/account">My account</Link>
              </li>
              {user.isOrgAdmin && (
                <>
                  <li>
                    <Link to="/organization/settings">Security settings</Link>
                  </li>
                  <li>
                    <Link to="/organization/members">Members</Link>
                  </li>
                  <li>
                    <Link to="/organization/audit">Audit log</Link>
                  </li>
                </>
              )}
              <li>
                <button type="button" className="link-button" onClick={() => void signOut()}>
                  Sign out
                </button>
              </li>
            </ul>
          </nav>
        )}
      </header>
      {children}
    </>
  );
}
