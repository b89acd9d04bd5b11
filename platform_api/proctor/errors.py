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


# Review and appeal (platform_api/proctor/decisions.py)


class SittingInProgress(Conflict):
    """A sitting is judged once it has ended (its proctoring session ends with it)."""

    code = "sitting_in_progress"


class StaleReviewVersion(Conflict):
    """``expected_version`` is not the sitting's latest decision: someone decided meanwhile."""

    code = "stale_review_version"


class SecondReviewerRequired(Forbidden):
    """An appealed decision is reviewed again by someone other than the one who made it."""

    code = "second_reviewer_required"


class NothingToAppeal(Conflict):
    code = "nothing_to_appeal"


class AppealNotAllowed(Conflict):
    """Only a `suspicious` or `violation` decision can be appealed."""

    code = "appeal_not_allowed"


class AppealExists(Conflict):
    """A sitting's review is appealed once."""

    code = "appeal_exists"


class AppealWindowClosed(Conflict):
    code = "appeal_window_closed"
