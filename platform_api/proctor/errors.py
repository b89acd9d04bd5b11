"""The proctoring domain's refusals, each with a stable code a client tells apart (the exam page
shows a different step for each: consent, enrolment photo, stream, identity)."""

from core.errors import Conflict, Forbidden


class ProctoringNotRequired(Conflict):
    code = "proctoring_not_required"


class ConsentRequired(Conflict):
    """No consent to proctoring for this exam: the learner's, or a parent's under the age."""

    code = "consent_required"


class ParentConsentRequired(Forbidden):
    """A learner under the consent age cannot consent alone: a linked parent does."""

    code = "parent_consent_required"


class EnrolmentRequired(Conflict):
    """The identity check needs the learner's enrolment photo first."""

    code = "enrolment_required"


class ProctorSessionExists(Conflict):
    """The sitting already has a proctoring session that has not ended."""

    code = "proctor_session_exists"


class ProctoringRequired(Conflict):
    """The exam is proctored: answers wait until the webcam streams to the proctor."""

    code = "proctoring_required"


class IdentityNotVerified(Conflict):
    """The proctor has not yet matched the face on the webcam with the enrolment photo."""

    code = "identity_not_verified"


class ExemptionExists(Conflict):
    code = "exemption_exists"
