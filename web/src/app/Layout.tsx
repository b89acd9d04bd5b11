import { Button } from "react-aria-components";
import { Link, Outlet, useNavigate } from "react-router";

import { type Role, signOut, useRole } from "../auth/tokens";
import {
  childrenPath,
  classChatsPath,
  classesPath,
  contentPath,
  gradingPath,
  inboxPath,
  mlPath,
  notificationSettingsPath,
  progressPath,
  reviewsPath,
  webhooksPath,
  workPath,
} from "./paths";

const STAFF: readonly Role[] = ["teacher", "admin"];

/** The pages each role works in, in the order the header shows them. */
function sections(role: Role): [string, string][] {
  const pages: [string, string][] = [];
  if (role !== "proctor") pages.push(["/", "Courses"]);
  if (role === "student") {
    pages.push(
      [workPath, "My work"],
      [progressPath, "My progress"],
      [classChatsPath, "Class chat"],
    );
  }
  if (role === "parent") pages.push([childrenPath, "Children"]);
  if (STAFF.includes(role)) pages.push([classesPath, "Classes"], [gradingPath, "Grading"]);
  if (STAFF.includes(role) || role === "proctor") pages.push([reviewsPath, "Proctoring reviews"]);
  if (STAFF.includes(role) || role === "content_editor") pages.push([contentPath, "Content"]);
  if (role === "admin") pages.push([mlPath, "Models"]);
  // Schools (owners of a curriculum: teachers, content editors) and admins.
  if (STAFF.includes(role) || role === "content_editor") pages.push([webhooksPath, "Webhooks"]);
  pages.push([inboxPath, "Inbox"], [notificationSettingsPath, "Notification settings"]);
  return pages;
}

export function Layout() {
  const role = useRole();
  const navigate = useNavigate();
  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          Water Classroom
        </Link>
        <nav aria-label="Main">
          {role ? (
            <>
              {sections(role).map(([path, label]) => (
                <Link key={path} to={path}>
                  {label}
                </Link>
              ))}
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
