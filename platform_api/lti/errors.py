"""Errors of LTI launches and platform services, each with a stable code."""

from core.errors import AppError, ServiceUnavailable


class LaunchInvalid(AppError):
    """The launch message is malformed: not a JWT, not LTI 1.3, or a claim we need is missing."""

    status_code = 400
    code = "lti_launch_invalid"


class LaunchRefused(AppError):
    """A well-formed launch failed a check: signature, expiry, nonce or state."""

    status_code = 401
    code = "lti_launch_refused"


class PlatformUnknown(AppError):
    """No registration here for this issuer and client, or an unregistered deployment."""

    status_code = 403
    code = "lti_platform_unknown"


class ContextNotReady(AppError):
    """A learner opened the tool in a course whose teacher has not opened it yet."""

    status_code = 409
    code = "lti_context_not_ready"


class PlatformServiceFailed(ServiceUnavailable):
    """The platform's token, grade or roster endpoint did not answer as it should."""

    code = "lti_platform_service_failed"
