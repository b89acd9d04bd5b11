/** The client's own page addresses, built in one place. */
export const coursePath = (courseId: string): string => `/courses/${courseId}`;

export const lessonPath = (courseId: string, lessonId: string): string =>
  `${coursePath(courseId)}/lessons/${lessonId}`;
