import { lazy, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";

import { ParentalConsentPage, VerifyEmailPage } from "../auth/LinkConfirmPage";
import { SignInPage } from "../auth/SignInPage";
import { SignUpPage } from "../auth/SignUpPage";
import { useSignedIn } from "../auth/tokens";
import { CataloguePage } from "../courses/CataloguePage";
import { CoursePage } from "../courses/CoursePage";
import { ChildrenPage } from "../progress/ChildrenPage";
import { ProgressPage } from "../progress/ProgressPage";
import { ClassesPage } from "../teaching/ClassesPage";
import { ClassPage } from "../teaching/ClassPage";
import { GradingQueuePage } from "../teaching/GradingQueuePage";
import { ReviewPage } from "../teaching/ReviewPage";
import { ReviewsPage } from "../teaching/ReviewsPage";
import { SittingPage } from "../work/SittingPage";
import { WorkPage } from "../work/WorkPage";
import { Layout } from "./Layout";
import {
  childrenPath,
  classesPath,
  gradingPath,
  progressPath,
  reviewsPath,
  workPath,
} from "./paths";

// The lesson page carries the Markdown and maths renderers: loaded when a lesson is opened.
const LessonPage = lazy(() => import("../lessons/LessonPage"));

function SignedIn({ children }: { children: React.ReactNode }) {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return children;
}

export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout />}>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="/sign-up" element={<SignUpPage />} />
          <Route
            path="/"
            element={
              <SignedIn>
                <CataloguePage />
              </SignedIn>
            }
          />
          <Route
            path="/courses/:courseId"
            element={
              <SignedIn>
                <CoursePage />
              </SignedIn>
            }
          />
          <Route
            path="/courses/:courseId/lessons/:lessonId"
            element={
              <SignedIn>
                <Suspense fallback={<p role="status">Loading the lesson…</p>}>
                  <LessonPage />
                </Suspense>
              </SignedIn>
            }
          />
          <Route path="/parental-consent" element={<ParentalConsentPage />} />
          <Route path="/verify-email" element={<VerifyEmailPage />} />
          <Route
            path={progressPath}
            element={
              <SignedIn>
                <ProgressPage />
              </SignedIn>
            }
          />
          <Route
            path={childrenPath}
            element={
              <SignedIn>
                <ChildrenPage />
              </SignedIn>
            }
          />
          <Route
            path={workPath}
            element={
              <SignedIn>
                <WorkPage />
              </SignedIn>
            }
          />
          <Route
            path="/sittings/:sittingId"
            element={
              <SignedIn>
                <SittingPage />
              </SignedIn>
            }
          />
          <Route
            path={classesPath}
            element={
              <SignedIn>
                <ClassesPage />
              </SignedIn>
            }
          />
          <Route
            path={`${classesPath}/:classId`}
            element={
              <SignedIn>
                <ClassPage />
              </SignedIn>
            }
          />
          <Route
            path={gradingPath}
            element={
              <SignedIn>
                <GradingQueuePage />
              </SignedIn>
            }
          />
          <Route
            path={reviewsPath}
            element={
              <SignedIn>
                <ReviewsPage />
              </SignedIn>
            }
          />
          <Route
            path={`${reviewsPath}/:sittingId`}
            element={
              <SignedIn>
                <ReviewPage />
              </SignedIn>
            }
          />
          <Route path="*" element={<p>There is no page here.</p>} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
