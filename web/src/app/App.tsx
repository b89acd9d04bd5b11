import { lazy, type ReactElement, Suspense } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";

import { ParentalConsentPage, VerifyEmailPage } from "../auth/LinkConfirmPage";
import { ProviderCompletePage } from "../auth/ProviderCompletePage";
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

// The lesson page carries the Markdown and maths renderers: loaded when a lesson is opened.
const LessonPage = lazy(() => import("../lessons/LessonPage"));
// The content team's pages: few people use them.
const ContentPage = lazy(() => import("../content/ContentPage"));
const JobPage = lazy(() => import("../content/JobPage"));
const ReviewTopicPage = lazy(() => import("../content/ReviewTopicPage"));
const MlPage = lazy(() => import("../ml/MlPage"));
const WebhooksPage = lazy(() => import("../webhooks/WebhooksPage"));
const InboxPage = lazy(() => import("../inbox/InboxPage"));
const ClassChatPage = lazy(() => import("../chat/ClassChatPage"));
const ClassChatsPage = lazy(() => import("../chat/ClassChatsPage"));
const NotificationSettingsPage = lazy(() => import("../notifications/NotificationSettingsPage"));
const ProctoredExamPage = lazy(() => import("../exam/ProctoredExamPage"));
// Where the LMS sends an instructor who adds the tool to a course (LTI deep linking).
const DeepLinkingPage = lazy(() => import("../lti/DeepLinkingPage"));

/** A page for signed-in people: the others are sent to sign in, and back here after. Lazy pages
 * show a status line while their code loads. */
function SignedIn({ children }: { children: React.ReactNode }) {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return <Suspense fallback={<p role="status">Loading the page…</p>}>{children}</Suspense>;
}

const OPEN: [string, ReactElement][] = [
  ["/sign-in", <SignInPage />],
  ["/sign-up", <SignUpPage />],
  ["/sign-in/complete", <ProviderCompletePage />],
  ["/parental-consent", <ParentalConsentPage />],
  ["/verify-email", <VerifyEmailPage />],
];

const SIGNED_IN: [string, ReactElement][] = [
  ["/", <CataloguePage />],
  ["/courses/:courseId", <CoursePage />],
  ["/courses/:courseId/lessons/:lessonId", <LessonPage />],
  [progressPath, <ProgressPage />],
  [inboxPath, <InboxPage />],
  [notificationSettingsPath, <NotificationSettingsPage />],
  [childrenPath, <ChildrenPage />],
  [workPath, <WorkPage />],
  ["/sittings/:sittingId", <SittingPage />],
  ["/exams/:assignmentId", <ProctoredExamPage />],
  [classesPath, <ClassesPage />],
  [`${classesPath}/:classId`, <ClassPage />],
  [`${classesPath}/:classId/chat`, <ClassChatPage />],
  [classChatsPath, <ClassChatsPage />],
  [gradingPath, <GradingQueuePage />],
  [reviewsPath, <ReviewsPage />],
  [`${reviewsPath}/:sittingId`, <ReviewPage />],
  [contentPath, <ContentPage />],
  [`${contentPath}/jobs/:jobId`, <JobPage />],
  [`${contentPath}/review/:topicId`, <ReviewTopicPage />],
  [mlPath, <MlPage />],
  [webhooksPath, <WebhooksPage />],
  ["/lti/deep-linking/:launchId", <DeepLinkingPage />],
];

export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout />}>
          {OPEN.map(([path, page]) => (
            <Route key={path} path={path} element={page} />
          ))}
          {SIGNED_IN.map(([path, page]) => (
            <Route key={path} path={path} element={<SignedIn>{page}</SignedIn>} />
          ))}
          <Route path="*" element={<p>There is no page here.</p>} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
