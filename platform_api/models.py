"""Imports every table so that Alembic and ``Base.metadata`` see the whole schema."""

from core.curriculum.models import (
    AssessmentItem,
    AssessmentItemVersion,
    Course,
    Curriculum,
    LearningObjective,
    Lesson,
    LessonVersion,
    Unit,
)
from core.infra.database import Base
from core.infra.outbox_models import OutboxEvent, ProcessedEvent
from platform_api.assessments.models import (
    Accommodation,
    Assignment,
    AssignmentItem,
    ExamSitting,
    GradeRevision,
    Response,
    SittingReopening,
)
from platform_api.audit.models import AuditEvent
from platform_api.auth.models import (
    EmailVerification,
    OidcIdentity,
    ParentalConsent,
    ParentLink,
    RefreshToken,
    User,
)
from platform_api.classes.models import ClassCourse, Enrollment, SchoolClass
from platform_api.content.models import ContentJob, ContentTopic
from platform_api.grading.models import GradingFailure, SittingGrade
from platform_api.lti.models import (
    LtiContext,
    LtiIdentity,
    LtiRegistration,
    LtiResourceLink,
    LtiScorePush,
)
from platform_api.mastery.models import ItemStatistics, MasteryState, ObjectiveParameters
from platform_api.notifications.models import (
    ChannelPreference,
    HeldDelivery,
    Notification,
    NotificationSettings,
    NotificationTemplate,
    PushSubscription,
)
from platform_api.proctor.models import (
    BiometricAccess,
    EnrolmentPhoto,
    ProctorConsent,
    ProctorEvent,
    ProctorExemption,
    ProctoringSession,
)
from platform_api.proctor.review.models import ProctorAppeal, ProctorDecision
from platform_api.progress.models import BadgeAward, ReminderSent
from platform_api.realtime.chat.models import ClassMessage
from platform_api.tutor.models import TutorFlag, TutorPolicy, TutorSession
from platform_api.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from rag.models import RagChunk, RagIndex  # noqa: F401  (so Alembic sees the tables)

__all__ = [
    "Accommodation",
    "AssessmentItem",
    "AssessmentItemVersion",
    "Assignment",
    "AssignmentItem",
    "AuditEvent",
    "BadgeAward",
    "Base",
    "BiometricAccess",
    "ChannelPreference",
    "ClassCourse",
    "ClassMessage",
    "ContentJob",
    "ContentTopic",
    "Course",
    "Curriculum",
    "EmailVerification",
    "Enrollment",
    "EnrolmentPhoto",
    "ExamSitting",
    "GradeRevision",
    "GradingFailure",
    "HeldDelivery",
    "ItemStatistics",
    "LearningObjective",
    "Lesson",
    "LessonVersion",
    "LtiContext",
    "LtiIdentity",
    "LtiRegistration",
    "LtiResourceLink",
    "LtiScorePush",
    "MasteryState",
    "Notification",
    "NotificationSettings",
    "NotificationTemplate",
    "ObjectiveParameters",
    "OidcIdentity",
    "OutboxEvent",
    "ParentLink",
    "ParentalConsent",
    "ProcessedEvent",
    "ProctorAppeal",
    "ProctorConsent",
    "ProctorDecision",
    "ProctorEvent",
    "ProctorExemption",
    "ProctoringSession",
    "PushSubscription",
    "RefreshToken",
    "ReminderSent",
    "Response",
    "SchoolClass",
    "SittingGrade",
    "SittingReopening",
    "TutorFlag",
    "TutorPolicy",
    "TutorSession",
    "Unit",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
