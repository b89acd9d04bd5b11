"""Imports every table so that Alembic and ``Base.metadata`` see the whole schema."""

from platform_api.auth.models import (
    EmailVerification,
    OidcIdentity,
    ParentalConsent,
    ParentLink,
    RefreshToken,
    User,
)
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass
from platform_api.curriculum.models import (
    AssessmentItem,
    Course,
    Curriculum,
    Lesson,
    LessonVersion,
    Unit,
)
from platform_api.infra.database import Base
from platform_api.infra.outbox_models import OutboxEvent, ProcessedEvent
from rag.models import RagChunk  # noqa: F401  (so Alembic sees the table)

__all__ = [
    "AssessmentItem",
    "Base",
    "ClassCourse",
    "Course",
    "Curriculum",
    "EmailVerification",
    "Enrollment",
    "Lesson",
    "LessonVersion",
    "OidcIdentity",
    "OutboxEvent",
    "ParentLink",
    "ParentalConsent",
    "ProcessedEvent",
    "RefreshToken",
    "SchoolClass",
    "Unit",
    "User",
]
