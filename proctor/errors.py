"""The proctor's domain errors, reported by the platform like any other (stable ``code``)."""

from core.errors import AppError


class EnrolmentRejected(AppError):
    """An enrolment photo the identity check cannot use."""

    status_code = 422
    code = "enrolment_rejected"


class EnrolmentNoFace(EnrolmentRejected):
    code = "enrolment_no_face"


class EnrolmentManyFaces(EnrolmentRejected):
    code = "enrolment_many_faces"


class VideoUnreadable(AppError):
    """A video file that cannot be decoded: missing, not a video, or broken."""

    status_code = 422
    code = "video_unreadable"
