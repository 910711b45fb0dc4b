"""Every error is JSON with a stable `code` that clients can branch on, never a stack trace."""

from __future__ import annotations

import sys
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(HTTPException):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.details = details


def _body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


_DEFAULT_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                  405: "method_not_allowed", 413: "payload_too_large", 429: "rate_limited"}


def _unparsable_body(error: StarletteHTTPException) -> str | None:
    """Why a body could not be parsed, in words (FastAPI says only "There was an error parsing the
    body", whatever the cause)."""
    cause = error.__cause__
    if isinstance(cause, RecursionError):
        return "the JSON body is nested too deeply"
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not valid UTF-8 (at byte {cause.start})"
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        return f"the JSON body holds a number of more than {sys.get_int_max_str_digits():,} digits"
    return None


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else error.headers
        return JSONResponse(_body(error.code, str(error.detail), error.details), error.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(str(part) for part in problem["loc"]), "problem": problem["msg"]}
                   for problem in error.errors()]
        return JSONResponse(_body("invalid_request", "the request does not match the schema", details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _DEFAULT_CODES.get(error.status_code, "error")
        return JSONResponse(_body(code, _unparsable_body(error) or str(error.detail)), error.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:  # logged by the server, not leaked
        return JSONResponse(_body("internal_error", "an unexpected error occurred; it has been logged"), 500)
