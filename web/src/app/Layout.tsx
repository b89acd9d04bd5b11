import { Button } from "react-aria-components";
import { Link, Outlet, useNavigate } from "react-router";

import { signOut, useSignedIn } from "../auth/tokens";

export function Layout() {
  const signedIn = useSignedIn();
  const navigate = useNavigate();
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          Water Classroom
        </Link>
        <nav aria-label="Main">
          {signedIn ? (
            <>
              <Link to="/">Courses</Link>
              <Button
                className="link-button"
                onPress={() => {
                  signOut();
                  navigate("/sign-in");
                }}
              >
                Sign out
              </Button>
            </>
          ) : (
            <>
              <Link to="/sign-in">Sign in</Link>
              <Link to="/sign-up">Create an account</Link>
            </>
          )}
        </nav>
      </header>
      <main>
        <Outlet />
      </main>
    </>
  );
}
