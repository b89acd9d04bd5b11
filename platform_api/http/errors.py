"""One error shape for every failure: ``{"error": {"code", "message", "details"}}``."""

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from core.errors import AppError

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


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg"), "type": error.get("type")}
        for error in exc.errors()
    ]
    return error_json(422, "validation_error", "The request is not valid.", details)


# FastAPI answers a body it cannot decode (not UTF-8, a broken multipart form) with this 400;
# it is answered as the invalid request it is (422), as a body that is not JSON already is.
UNREADABLE_BODY_DETAIL = "There was an error parsing the body"


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == UNREADABLE_BODY_DETAIL:
        details = [{"loc": ["body"], "msg": "The body cannot be read.", "type": "body_unreadable"}]
        return error_json(422, "validation_error", "The request is not valid.", details)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return error_json(exc.status_code, code, str(exc.detail), None, headers)


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves on the request's path (Starlette names only the first)."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return error_json(500, "internal_error", "Something went wrong on our side.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
