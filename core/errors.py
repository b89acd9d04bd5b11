"""One family of domain errors, each with a stable ``code`` and HTTP status."""

import math
from typing import Any, ClassVar


class AppError(Exception):
    """Base of every error the API reports as ``{"error": {"code", "message", "details"}}``."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, details: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_error"


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"


class InvalidCredentials(AppError):
    status_code = 401
    code = "invalid_credentials"


class InvalidToken(AppError):
    status_code = 401
    code = "invalid_token"


class AccountInactive(AppError):
    status_code = 403
    code = "account_inactive"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class PreconditionFailed(AppError):
    status_code = 412
    code = "precondition_failed"


class PreconditionRequired(AppError):
    status_code = 428
    code = "precondition_required"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"

    @classmethod
    def retry_after(cls, seconds: float, message: str) -> "RateLimited":
        """The error with ``Retry-After`` in whole seconds (at least 1, rounded up)."""
        whole = max(1, math.ceil(seconds))
        return cls(message, {"retry_after_seconds": whole}, {"Retry-After": str(whole)})


class ImportRejected(AppError):
    status_code = 422
    code = "import_rejected"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"
