"""One error shape for every failure: ``{"error": {"code", "message", "details"}}``."""

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from core.errors import AppError, PreconditionRequired

logger = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorBody


def error_json(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    return JSONResponse(body, status_code=status, headers=headers)


def responses(*errors: type[AppError] | int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the errors an operation can raise.

    Give the error classes (``NotFound, Forbidden``) so the description names their stable
    codes, or a bare status for an error the framework raises; classes sharing a status are
    merged.
    """
    codes: dict[int, list[str]] = {}
    for error in errors:
        status, code = (
            (error, HTTP_CODES.get(error, "error"))
            if isinstance(error, int)
            else (
                error.status_code,
                error.code,
            )
        )
        if code not in codes.setdefault(status, []):
            codes[status].append(code)
    return {
        status: {"model": ErrorResponse, "description": "`" + "`, `".join(names) + "`"}
        for status, names in sorted(codes.items())
    }


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_json(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


# Headers that carry a precondition (RFC 6585): an edit sent without one is 428, not 422, so a
# client learns to fetch the ETag first rather than that its body was wrong.
PRECONDITION_HEADERS = frozenset({"if-match"})


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg"), "type": error.get("type")}
        for error in exc.errors()
    ]
    if details and all(_missing_precondition(detail) for detail in details):
        required = PreconditionRequired("Send If-Match with the ETag of the version you edit.")
        return error_json(required.status_code, required.code, required.message, details)
    return error_json(422, "validation_error", "The request is not valid.", details)


def _missing_precondition(detail: dict[str, Any]) -> bool:
    loc = detail["loc"]
    return (
        detail["type"] == "missing"
        and len(loc) == 2
        and loc[0] == "header"
        and (str(loc[1]).lower() in PRECONDITION_HEADERS)
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # The framework's only 400s: a body it cannot decode (not UTF-8, a broken multipart
        # form). Answered as the invalid request it is, like a body that is not JSON.
        details = [{"loc": ["body"], "msg": str(exc.detail), "type": "body_unreadable"}]
        return error_json(422, "validation_error", "The request is not valid.", details)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return error_json(exc.status_code, code, str(exc.detail), None, headers)


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """The methods of the routes that serve the request's path (Starlette names only the first).

    The most literal routes win: ``/content/jobs/file`` is not also ``/content/jobs/{job_id}``.
    """
    matching = [route for route in routes if route.matches(scope)[0] is not Match.NONE]
    fewest = min((len(getattr(r, "param_convertors", {})) for r in matching), default=0)
    methods: set[str] = set()
    for route in matching:
        if len(getattr(route, "param_convertors", {})) == fewest:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


# PostgreSQL text cannot hold the NUL character (SQLSTATE 22021), nor can a sealed personal column
# (core.personal_data, refused while binding); a request carrying one is refused as invalid rather
# than failing at the database as a 500.
NUL_IN_TEXT = "22021"


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StatementError)
    if getattr(exc.orig, "sqlstate", None) == NUL_IN_TEXT:
        details = [{"msg": "Text may not contain the NUL character.", "type": "nul_character"}]
        return error_json(422, "validation_error", "The request is not valid.", details)
    return await _unexpected_error(request, exc)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return error_json(500, "internal_error", "Something went wrong on our side.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StatementError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
