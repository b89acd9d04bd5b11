/** The client's own page addresses, built in one place. */
export const coursePath = (courseId: string): string => `/courses/${courseId}`;

export const lessonPath = (courseId: string, lessonId: string): string =>
  `${coursePath(courseId)}/lessons/${lessonId}`;

export const classesPath = "/classes";
export const classPath = (classId: string): string => `${classesPath}/${classId}`;
export const classChatPath = (classId: string): string => `${classPath(classId)}/chat`;
export const classChatsPath = "/chat";
export const gradingPath = "/grading";
export const reviewsPath = "/reviews";
export const reviewPath = (sittingId: string): string => `${reviewsPath}/${sittingId}`;
export const workPath = "/work";
export const sittingPath = (sittingId: string): string => `/sittings/${sittingId}`;
export const progressPath = "/progress";
export const childrenPath = "/children";
export const contentPath = "/content";
export const contentJobPath = (jobId: string): string => `${contentPath}/jobs/${jobId}`;
export const contentTopicPath = (topicId: string): string => `${contentPath}/review/${topicId}`;
export const mlPath = "/ml";
export const proctoredExamPath = (assignmentId: string): string => `/exams/${assignmentId}`;
export const inboxPath = "/inbox";
export const notificationSettingsPath = "/settings/notifications";
export const webhooksPath = "/settings/webhooks";
