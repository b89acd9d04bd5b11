"""A learner's progress: lesson events they record, completion, streak, badges, recent grades."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course, Lesson, LessonStatus
from core.infra.analytics import AnalyticsStore
from core.infra.database import utcnow
from platform_api.assessments.models import Assignment, ExamSitting, SittingStatus
from platform_api.auth.models import User
from platform_api.auth.tokens import AccessClaims
from platform_api.classes.models import ClassCourse, Enrollment
from platform_api.curriculum.access import readable_lesson
from platform_api.progress.badges import badge_rules
from platform_api.progress.events import LESSON_EVENT_TYPES, LessonEvent, LessonProgressed, record
from platform_api.progress.models import BadgeAward
from platform_api.progress.queries import completed_lessons
from platform_api.progress.schemas import (
    BadgeOut,
    CourseCompletion,
    GradeOut,
    LearnerProgress,
    StreakOut,
)
from platform_api.progress.streaks import streaks

RECENT_GRADES = 10


async def record_lesson_event(
    session: AsyncSession, actor: AccessClaims, lesson_id: uuid.UUID, event: LessonEvent
) -> None:
    """Record that the learner viewed or completed a lesson they may read (through the outbox)."""
    lesson = await readable_lesson(session, actor, lesson_id)
    payload = LessonProgressed(
        learner_id=actor.user_id,
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        lesson_title=lesson.title,
        occurred_at=utcnow(),
    )
    record(session, LESSON_EVENT_TYPES[event], payload)
    await session.commit()


async def published_lessons(
    session: AsyncSession, course_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """course → its published lessons (the denominator of completion)."""
    rows = await session.execute(
        select(Lesson.course_id, Lesson.id).where(
            Lesson.course_id.in_(list(course_ids)), Lesson.status == LessonStatus.PUBLISHED
        )
    )
    lessons: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for course_id, lesson_id in rows:
        lessons[course_id].add(lesson_id)
    return lessons


def completion(completed: set[uuid.UUID], published: set[uuid.UUID]) -> tuple[int, float]:
    """Completed lessons that are still published, and their share of the published ones."""
    done = len(completed & published)
    return done, (done / len(published) if published else 0.0)


async def _course_completion(
    session: AsyncSession, analytics: AnalyticsStore, learner_id: uuid.UUID
) -> list[CourseCompletion]:
    done = {
        course: lessons
        for (_, course), lessons in (await completed_lessons(analytics, [learner_id])).items()
    }
    enrolled = await session.scalars(
        select(ClassCourse.course_id)
        .join(Enrollment, Enrollment.class_id == ClassCourse.class_id)
        .where(Enrollment.student_id == learner_id)
    )
    courses = list(
        await session.scalars(
            select(Course).where(Course.id.in_(set(enrolled) | set(done))).order_by(Course.title)
        )
    )
    published = await published_lessons(session, [course.id for course in courses])
    result = []
    for course in courses:
        count, share = completion(done.get(course.id, set()), published.get(course.id, set()))
        result.append(
            CourseCompletion(
                course_id=course.id,
                title=course.title,
                lessons_published=len(published.get(course.id, set())),
                lessons_completed=count,
                completion=share,
            )
        )
    return result


async def _badges(session: AsyncSession, learner_id: uuid.UUID) -> list[BadgeOut]:
    titles = {rule.id: rule.title for rule in badge_rules()}
    awards = await session.scalars(
        select(BadgeAward)
        .where(BadgeAward.learner_id == learner_id)
        .order_by(BadgeAward.awarded_at)
    )
    return [
        BadgeOut(
            id=award.badge, title=titles.get(award.badge, award.badge), awarded_at=award.awarded_at
        )
        for award in awards
    ]


async def _recent_grades(session: AsyncSession, learner_id: uuid.UUID) -> list[GradeOut]:
    rows = await session.execute(
        select(ExamSitting, Assignment.title)
        .outerjoin(Assignment, Assignment.id == ExamSitting.assignment_id)
        .where(
            ExamSitting.learner_id == learner_id,
            ExamSitting.status == SittingStatus.GRADED,
            ExamSitting.score.is_not(None),
        )
        .order_by(ExamSitting.graded_at.desc().nulls_last(), ExamSitting.id)
        .limit(RECENT_GRADES)
    )
    return [
        GradeOut(
            sitting_id=sitting.id,
            assignment_id=sitting.assignment_id,
            assignment_title=title,
            score=sitting.score,
            max_score=sitting.max_score,
            graded_at=sitting.graded_at,
        )
        for sitting, title in rows
    ]


async def learner_progress(
    session: AsyncSession, analytics: AnalyticsStore, learner: User, now: datetime | None = None
) -> LearnerProgress:
    now = now or utcnow()
    streak = (await streaks(analytics, {learner.id: learner.time_zone}, now))[learner.id]
    return LearnerProgress(
        learner_id=learner.id,
        courses=await _course_completion(session, analytics, learner.id),
        streak=StreakOut(
            current_days=streak.current_days,
            longest_days=streak.longest_days,
            last_active_on=streak.last_active_on,
            time_zone=streak.time_zone,
        ),
        badges=await _badges(session, learner.id),
        recent_grades=await _recent_grades(session, learner.id),
    )
