"""Refusals of the proctor deployment, reported over HTTP with their stable codes and raised
again on the platform's side by the client (``serving.proctoring.client``)."""

from core.errors import AppError, NotFound, ServiceUnavailable


class ProctorSessionNotFound(NotFound):
    """No such session on the host named: never opened, closed, or lost with its replica."""

    code = "proctor_session_not_found"


class ProctorSessionEnded(AppError):
    status_code = 409
    code = "proctor_session_ended"


class ProctorHostFull(ServiceUnavailable):
    """Every proctor replica holds its most sessions; one more is starting (retry shortly)."""

    code = "proctor_capacity"


class ProctorUnavailable(ServiceUnavailable):
    """The proctor deployment did not answer."""

    code = "proctor_unavailable"
