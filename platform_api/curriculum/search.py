"""Full-text search over lessons (PostgreSQL ``tsvector`` with a GIN index), paginated."""

import uuid

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.curriculum.models import Course, Lesson, LessonStatus
from platform_api.auth.models import Role
from platform_api.auth.tokens import AccessClaims
from platform_api.curriculum.schemas import SearchHit, SearchPage


async def search_lessons(
    session: AsyncSession,
    actor: AccessClaims,
    text: str,
    course_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> SearchPage:
    """Published lessons for everyone, plus the drafts of courses the caller owns."""
    query = func.websearch_to_tsquery("english", text)
    visible = Lesson.status == LessonStatus.PUBLISHED
    if actor.role is Role.ADMIN:
        visible = visible | (Lesson.status != LessonStatus.PUBLISHED)
    else:
        owned = select(Course.id).where(Course.owner_id == actor.user_id)
        visible = visible | Lesson.course_id.in_(owned)
    where: list[ColumnElement[bool]] = [Lesson.search_vector.op("@@")(query), visible]
    if course_id is not None:
        where.append(Lesson.course_id == course_id)
    total = await session.scalar(select(func.count()).select_from(Lesson).where(*where)) or 0
    rank = func.ts_rank_cd(Lesson.search_vector, query)
    snippet = func.ts_headline(
        "english",
        Lesson.body_markdown,
        query,
        "MaxWords=30, MinWords=10, StartSel=**, StopSel=**, MaxFragments=1",
    )
    rows = await session.execute(
        select(Lesson.id, Lesson.course_id, Lesson.title, Lesson.status, snippet, rank)
        .where(*where)
        .order_by(rank.desc(), Lesson.id)
        .limit(limit)
        .offset(offset)
    )
    hits = [
        SearchHit(
            lesson_id=r[0], course_id=r[1], title=r[2], status=r[3], snippet=r[4], rank=float(r[5])
        )
        for r in rows
    ]
    return SearchPage(items=hits, total=total, limit=limit, offset=offset)
